#!/usr/bin/env bash
# Refreshes the parameter reference in docs/configuration.md from `tessera schema --format markdown`
# (between the schema:begin/end markers). With --check, changes nothing and fails if the copy is stale.
# Usage: tools/update-schema-doc.sh [--check] [path/to/tessera]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
tessera="${1:-${BUILD_DIR:-$root/build}/tessera}"
doc="$root/docs/configuration.md"
new="$(mktemp)"
trap 'rm -f "$new"' EXIT
schema="$("$tessera" schema --format markdown)"
SCHEMA="$schema" /usr/bin/python3 - "$doc" "$new" <<'PY'
import os, sys
text = open(sys.argv[1]).read()
begin, end = "<!-- schema:begin -->", "<!-- schema:end -->"
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(sys.argv[2], "w").write(head + begin + "\n" + os.environ["SCHEMA"].rstrip("\n") + "\n" + end + tail)
PY
if [ "$check" = 1 ]; then
  if ! diff -q "$doc" "$new" >/dev/null; then
    echo "docs/configuration.md: the parameter reference differs from \`tessera schema --format markdown\`;" \
         "run tools/update-schema-doc.sh" >&2
    exit 1
  fi
  echo "docs/configuration.md: parameter reference is current"
else
  cp "$new" "$doc"
  echo "updated $doc"
fi
