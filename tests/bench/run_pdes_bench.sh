#!/usr/bin/env bash
# Runs the engine benchmark configurations reported in docs/performance.md, for 1 and 2 ranks,
# each REPEAT times (default 3), and prints one line per run. Usage:
#   tests/bench/run_pdes_bench.sh [BUILD_DIR]
# The figures depend on what else the machine runs: check `uptime` before and after.
set -euo pipefail
build="${1:-${BUILD_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}}"
bench="$build/tests/bench/bench_pdes"
repeat="${REPEAT:-3}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpirun=(mpirun --oversubscribe --mca btl self,vader --bind-to core)

run() {  # label, ranks, bench args...
  local label=$1 np=$2
  shift 2
  for _ in $(seq "$repeat"); do
    "${mpirun[@]}" -np "$np" "$bench" "$@" | awk -v label="$label" -v np="$np" '
      /events\/s/ {eps=$2} /wall \(run\)/ {wall=$3} /^  windows/ {w=$2} /sync rounds/ {r=$3}
      /events\/window/ {epw=$2} /sync time/ {sync=$6} /peak RSS/ {rss=$3} /^  events  / {ev=$2}
      END {printf "%-10s np=%d events=%s wall=%ss Mevents/s=%s windows=%s rounds=%s events/window=%s sync=%s rss/rank=%sMiB\n",
                  label, np, ev, wall, eps, w, r, epw, sync, rss}'
  done
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
common=(--lps 10000 --population 100000 --remote 0.1 --mean 1us)
for np in 1 2; do run big-window "$np" "${common[@]}" --lookahead 1us --end 200us; done
for np in 1 2; do run 2k-window "$np" "${common[@]}" --lookahead 20ns --end 100us; done
for np in 1 2; do run 200-window "$np" "${common[@]}" --lookahead 2ns --end 50us; done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
