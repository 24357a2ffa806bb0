#!/usr/bin/env bash
# expect.sh RC REGEX COMMAND...: runs COMMAND and passes only if it exits with RC and its combined
# stdout+stderr matches the extended regular expression REGEX. Prints the output on failure.
set -u
want_rc="$1"; regex="$2"; shift 2
out="$("$@" 2>&1)"; rc=$?
if [ "$rc" -ne "$want_rc" ]; then
  printf 'expected exit %s, got %s from: %s\n--- output ---\n%s\n' "$want_rc" "$rc" "$*" "$out"; exit 1
fi
# Match against the output as one line (newlines turned into the ASCII record separator), so that
# ".*" spans lines and one regex can check that several errors are reported together.
if ! grep -Eq -- "$regex" <<<"$(tr '\n' '\036' <<<"$out")"; then
  printf 'output does not match /%s/ from: %s\n--- output ---\n%s\n' "$regex" "$*" "$out"; exit 1
fi
echo "ok: exit $rc, matched /$regex/"
