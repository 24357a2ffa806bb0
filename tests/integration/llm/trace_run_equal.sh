#!/usr/bin/env bash
# trace_run_equal.sh TESSERA SCENARIO WORKDIR: `tessera trace llm` writes the scenario's step graphs
# as Chakra files; a scenario that runs those files (with the comm-group JSON and the same npu and
# network) must simulate exactly what the in-memory run simulates: the summary JSONs agree on every
# key but "source" and the in-memory run's "llm" figures.
set -euo pipefail
tessera="$1"; scenario="$(realpath "$2")"; work="$3"
rm -rf "$work"; mkdir -p "$work"
stem="$(basename "$scenario" .yaml)"
"$tessera" trace llm "$scenario" --out "$work/traces"
# The scenario with its workload section replaced by the files (the keys before "workload:" kept,
# relative section files made absolute).
dir="$(dirname "$scenario")"
{
  sed -n '/^workload:/q;p' "$scenario" | sed "s|file: \(\.\./[^ ]*\)|file: $dir/\1|"
  echo "comm_groups: {astra_comm_groups: $work/traces/$stem.comm_groups.json}"
  echo "workload: {chakra: $work/traces/$stem}"
} > "$work/from_files.yaml"
"$tessera" run "$scenario" --quiet --summary-json "$work/in_memory.json" > /dev/null
"$tessera" run "$work/from_files.yaml" --quiet --summary-json "$work/from_files.json" > /dev/null
/usr/bin/python3 - "$work/in_memory.json" "$work/from_files.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert "llm" in a and "llm" not in b, "the in-memory run reports llm figures, the file run none"
for j in (a, b):
    j.pop("source"); j.pop("llm", None)
if a != b:
    keys = [k for k in a if a.get(k) != b.get(k)]
    sys.exit(f"the runs differ in {keys}: end_time_ps {a['end_time_ps']} in memory, {b['end_time_ps']} from files")
print(f"ok: same summary ({a['end_time_ps']} ps, {a['events']} events, {len(a['collectives'])} collectives)")
PY
