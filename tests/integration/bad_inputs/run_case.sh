#!/usr/bin/env bash
# run_case.sh CASE NP TESSERA [MPIRUN...]: runs one catalogue case (cases/<name>.case) from the
# repository root, alone (NP=1) or under `MPIRUN -np NP`, and passes only if
#  - it ends within the time limit (a hang is a failure, not a CTest timeout),
#  - it exits with the case's code,
#  - its output matches the case's extended regex (newlines count as any character),
#  - no error line is printed twice (an error on one rank reads once, not once per rank).
# Case file keys: "args:" (tessera arguments; {in} = inputs/, {astra} = configs/astra-sim),
# "exit:", "expect:"; lines starting with # say what is broken. The argument {empty} stands for "".
set -u
case_file="$1"; np="$2"; tessera="$3"; shift 3
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
field() { sed -n "s/^$1: //p" "$case_file" | head -1; }
args="$(field args)"; want_rc="$(field exit)"; regex="$(field expect)"
if [ -z "$args" ] || [ -z "$want_rc" ] || [ -z "$regex" ]; then
  echo "run_case: $case_file needs the keys args:, exit: and expect:"; exit 1
fi
args="${args//\{in\}/tests/integration/bad_inputs/inputs}"
args="${args//\{astra\}/configs/astra-sim}"
read -ra argv <<<"$args"
for i in "${!argv[@]}"; do [ "${argv[$i]}" = "{empty}" ] && argv[$i]=""; done  # an empty argument
cd "$root" || exit 1
limit="${BAD_INPUT_TIMEOUT:-60}"
if [ "$np" -eq 1 ]; then
  out="$(timeout "$limit" "$tessera" "${argv[@]}" 2>&1)"; rc=$?
else
  out="$(timeout "$limit" "$@" -np "$np" "$tessera" "${argv[@]}" 2>&1)"; rc=$?
fi
show() { printf '%s\n--- command (np %s): tessera %s\n--- output ---\n%s\n' "$1" "$np" "$args" "$out"; }
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then show "HANG: no answer within ${limit}s"; exit 1; fi
if [ "$rc" -ne "$want_rc" ]; then show "expected exit $want_rc, got $rc"; exit 1; fi
if ! grep -Eq -- "$regex" <<<"$(tr '\n' '\036' <<<"$out")"; then show "output does not match /$regex/"; exit 1; fi
dups="$(grep -E '^(error|warning|internal error):' <<<"$out" | sort | uniq -d)"
if [ -n "$dups" ]; then show "printed more than once: $dups"; exit 1; fi
echo "ok (np $np): exit $rc, matched /$regex/"
