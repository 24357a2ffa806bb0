#!/usr/bin/env bash
# The headline benchmarks: runs them and prints the tables of docs/performance.md, each with the
# machine, date and commit it was measured on, so the page is regenerated, never edited by hand.
#
#   tools/bench.sh [options] [BENCHMARK...]      (default: every benchmark, in the order below)
#     --repeat N        runs per row; the tables show each figure's median (default 3; 1 for
#                       allreduce-hgx, about 4 minutes a run)
#     --quick           a check that every benchmark runs, not figures for the page: 1 run per
#                       row and the 4096-NPU all-reduce at 1024 NPUs (minutes instead of ~10)
#     --update FILE     also replace each benchmark's table in FILE (between its
#                       <!-- bench:NAME --> and <!-- /bench:NAME --> lines) with the new one
#     --no-build        use the build as it is (default: build the targets the benchmarks run)
#     --list            print the benchmarks and exit
#   BUILD_DIR=DIR       build directory (default: build/, configured RelWithDebInfo if missing)
#   TESSERA_BENCH_NICE=0  do not move the run into its own autogroup at nice -20
#
# Each benchmark is one function bench_NAME that prints its Markdown block on stdout (progress on
# stderr); add one by writing the function and listing it in BENCHMARKS.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
BENCHMARKS=(allreduce-ring phold network collective workload-load hdf5-write output-overhead allreduce-hgx nccl-sweep llm-step)

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
args=("$@")
repeat=3 repeat_given=0 quick=0 update="" do_build=1 selected=()
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat="$2"; repeat_given=1; shift 2 ;;
    --quick) quick=1; shift ;;
    --update) update="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --list) printf '%s\n' "${BENCHMARKS[@]}"; exit 0 ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) selected+=("$1"); shift ;;
  esac
done
[ "${#selected[@]}" -gt 0 ] || selected=("${BENCHMARKS[@]}")
for b in "${selected[@]}"; do
  [[ " ${BENCHMARKS[*]} " == *" $b "* ]] || { echo "bench.sh: unknown benchmark '$b' (one of: ${BENCHMARKS[*]})" >&2; exit 2; }
done
[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || { echo "bench.sh: --repeat takes a positive integer, got '$repeat'" >&2; exit 2; }
[ "$quick" = 1 ] && repeat=1
if [ -n "$update" ]; then
  [ -f "$update" ] || { echo "bench.sh: --update $update: no such file" >&2; exit 2; }
  [ "$quick" = 0 ] || { echo "bench.sh: --quick figures are not the page's: drop --update or --quick" >&2; exit 2; }
fi

# Timings on a shared machine: the run gets its own session, hence its own autogroup, raised to
# nice -20 so other sessions' builds do not take its cores (needs root; skipped otherwise). The
# parent waits and passes Ctrl-C on, since the new session has no terminal to receive it.
if [ "${TESSERA_BENCH_NICE:-1}" = 1 ] && [ -z "${TESSERA_BENCH_INNER:-}" ] && [ -w /proc/self/autogroup ]; then
  TESSERA_BENCH_INNER=1 setsid "$0" "${args[@]}" &
  inner=$!
  trap 'kill -TERM -- "-$inner" 2>/dev/null' INT TERM
  wait "$inner"
  exit $?
fi
[ -n "${TESSERA_BENCH_INNER:-}" ] && echo -20 > /proc/self/autogroup 2>/dev/null || true
[ -r /proc/self/autogroup ] && echo "bench.sh: running in $(cat /proc/self/autogroup)" >&2

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
log() { echo "bench.sh: $*" >&2; }

if [ "$do_build" = 1 ]; then
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
  fi
  log "building the benchmarks' targets in $build"
  cmake --build "$build" -j"$(nproc)" --target tessera bench_pdes bench_network bench_collective \
    bench_workload_load bench_hdf5_write >&2
fi
tessera="$build/tessera"
[ -x "$tessera" ] || { echo "bench.sh: no tessera binary in $build (build it, or set BUILD_DIR)" >&2; exit 2; }

# --- helpers ---------------------------------------------------------------------------------

median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "?"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
commas() { sed -e ':a' -e 's/^\([0-9]\{1,\}\)\([0-9]\{3\}\)/\1,\2/' -e 'ta' <<<"$1"; }
# Picoseconds as tessera prints them: three decimals in the largest unit not above the value.
fmt_time() {
  awk -v t="$1" 'BEGIN {
    if (t >= 1e12) printf "%.3f s\n", t / 1e12; else if (t >= 1e9) printf "%.3f ms\n", t / 1e9;
    else if (t >= 1e6) printf "%.3f µs\n", t / 1e6; else if (t >= 1e3) printf "%.3f ns\n", t / 1e3; else printf "%d ps\n", t }'
}
load1() { cut -d' ' -f1 /proc/loadavg; }
build_type() { sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || echo "?"; }
# The commit the binaries were built from, "+changes" when tracked files outside docs/ differed
# (the page being updated is not part of what was measured). Taken once, before any benchmark.
commit() {
  local c
  c="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(git -C "$root" status --porcelain --untracked-files=no -- . ':(exclude)docs' 2>/dev/null)" ]; then
    c="$c+changes"
  fi
  echo "$c"
}
cpu_model() { sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1; }
mem_gib() { awk '/^MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo; }
# The line under every table: what was measured, where and when.
measured() {  # load at the start
  local runs="one run per row"
  [ "$2" -gt 1 ] && runs="the median of $2 runs per row"
  printf '\nMeasured %s at commit `%s` (%s build) on %s cores of %s, %s GiB; load average %s at the start, %s at the end; %s.\n' \
    "$(date -u '+%Y-%m-%d %H:%M UTC')" "$commit_label" "$(build_type)" "$(nproc)" "$(cpu_model)" "$(mem_gib)" "$1" "$(load1)" "$runs"
}
# timed OUT_PREFIX CMD...: runs CMD, stdout+stderr to OUT_PREFIX.out, GNU time (wall, user+sys
# CPU of every process, peak RSS of the largest one in KiB) to OUT_PREFIX.time.
timed() {
  local prefix=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$prefix.time" "$@" >"$prefix.out" 2>&1 </dev/null || {
    echo "bench.sh: failed: $* (output: $prefix.out)" >&2
    tail -5 "$prefix.out" >&2
    exit 1
  }
}
# timed_stop OUT_PREFIX CMD...: as timed, for a run stopped by --max-sim-time (exit 1 with the
# stop message; its outputs are complete up to the limit).
timed_stop() {
  local prefix=$1 rc=0
  shift
  /usr/bin/time -f '%e %U %S %M' -o "$prefix.time" "$@" >"$prefix.out" 2>&1 </dev/null || rc=$?
  sed -i '/^Command exited/d' "$prefix.time"  # GNU time's note on a non-zero exit
  if [ "$rc" -ne 0 ] && ! { [ "$rc" -eq 1 ] && grep -q 'stopped at the simulated-time limit' "$prefix.out"; }; then
    echo "bench.sh: failed: $* (exit $rc, output: $prefix.out)" >&2
    tail -5 "$prefix.out" >&2
    exit 1
  fi
}
wall_of() { awk '{print $1}' "$1.time"; }
cpu_of() { awk '{printf "%.2f\n", $2 + $3}' "$1.time"; }
rss_mib_of() { awk '{printf "%.1f\n", $4 / 1024}' "$1.time"; }
launch() {  # ranks: the launcher prefix
  if [ "$1" -gt 1 ]; then echo "mpirun --bind-to none -np $1"; fi
}

# --- benchmarks: each prints one Markdown block ----------------------------------------------

# The 64 MiB ring all-reduce on ASTRA-sim inputs: ASTRA-sim's microbenchmark traces, a 1-D Ring
# with Ring_8npus.yml's links (50 GB/s, 500 ns), Ring_4chunks.json; every network model, 1 and 2
# ranks. ASTRA-sim's own figures on the same inputs are the reference of the comparison table.
bench_allreduce-ring() {
  local load npus_list=(256 1024) models=(astra-congestion-aware astra-congestion-unaware packet)
  load="$(load1)"
  echo '| NPUs | network model | ranks | simulated (ns) | wall (s) | CPU (s) | peak RSS (MB) |'
  echo '|---:|---|---:|---:|---:|---:|---:|'
  for n in "${npus_list[@]}"; do
    "$tessera" trace microbench --collective all_reduce --npus "$n" --size 64MiB --out "$tmp/ar$n" >/dev/null
    printf 'topology: [ Ring ]\nnpus_count: [ %d ]\nbandwidth: [ 50.0 ]\nlatency: [ 500.0 ]\n' "$n" >"$tmp/ring$n.yml"
    for model in "${models[@]}"; do
      for ranks in 1 2; do
        log "allreduce-ring: $n NPUs, $model, $ranks rank(s), $repeat run(s)"
        for i in $(seq "$repeat"); do
          # shellcheck disable=SC2046
          timed "$tmp/r$i" $(launch "$ranks") "$tessera" run --quiet \
            --workload-configuration="$tmp/ar$n/all_reduce" \
            --system-configuration="$root/configs/astra-sim/examples/system/native_collectives/Ring_4chunks.json" \
            --network-configuration="$tmp/ring$n.yml" \
            --remote-memory-configuration="$root/configs/astra-sim/examples/remote_memory/analytical/no_memory_expansion.json" \
            --network-model "$model"
        done
        local sim wall cpu rss
        sim="$(grep -m1 -o 'sys\[0\] finished, [0-9]*' "$tmp/r1.out" | grep -o '[0-9]*$')"
        wall="$(for i in $(seq "$repeat"); do wall_of "$tmp/r$i"; done | median)"
        cpu="$(for i in $(seq "$repeat"); do cpu_of "$tmp/r$i"; done | median)"
        rss="$(for i in $(seq "$repeat"); do awk '{printf "%.1f\n", $4 / 1000 * 1.024}' "$tmp/r$i.time"; done | median)"
        printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$model" "$ranks" "$(commas "$sim")" "$wall" "$cpu" "$rss"
        echo "$n $model $ranks $wall $cpu $rss" >>"$tmp/ring.rows"
      done
    done
  done
  # ASTRA-sim 2.x's analytical congestion-aware binary on the same inputs, on the 2-core machine
  # these pages are measured on (wall time, peak RSS); ASTRA-sim is not built here, so these are
  # quoted, not rerun.
  echo
  echo '| NPUs | ASTRA-sim (congestion-aware): wall, peak RSS | Tessera `astra-congestion-aware`, 1 rank: wall, peak RSS | faster | less memory | Tessera, 2 ranks: wall |'
  echo '|---:|---:|---:|---:|---:|---:|'
  local astra_wall astra_rss w1 r1 w2
  for n in "${npus_list[@]}"; do
    case "$n" in 256) astra_wall=0.8 astra_rss=37 ;; 1024) astra_wall=16 astra_rss=365 ;; esac
    read -r w1 r1 < <(awk -v n="$n" '$1 == n && $2 == "astra-congestion-aware" && $3 == 1 {print $4, $6}' "$tmp/ring.rows")
    w2="$(awk -v n="$n" '$1 == n && $2 == "astra-congestion-aware" && $3 == 2 {print $4}' "$tmp/ring.rows")"
    printf '| %s | %s s, %s MB | %s s, %s MB | %.1fx | %.1fx | %s s |\n' "$n" "$astra_wall" "$astra_rss" "$w1" "$r1" \
      "$(echo "$astra_wall / $w1" | bc -l)" "$(echo "$astra_rss / $r1" | bc -l)" "$w2"
  done
  measured "$load" "$repeat"
}

# PHOLD on the engine (tests/bench/bench_pdes): 10^4 LPs, 10^5 events in flight, 10 % remote,
# mean delay 1 us; three lookaheads from 50,000 down to ~200 events per window; 1 and 2 ranks.
bench_phold() {
  local load
  load="$(load1)"
  echo '| lookahead, end | ranks | events | windows | events / window | M events/s | speed-up | time in sync | peak RSS / rank (MiB) |'
  echo '|---|---:|---:|---:|---:|---:|---:|---:|---:|'
  local common=(--lps 10000 --population 100000 --remote 0.1 --mean 1us) config la end
  for config in "1us 200us" "20ns 100us" "2ns 50us"; do
    read -r la end <<<"$config"
    local one=""
    for ranks in 1 2; do
      log "phold: lookahead $la, end $end, $ranks rank(s), $repeat run(s)"
      for i in $(seq "$repeat"); do
        timed "$tmp/p$i" mpirun --bind-to none --mca btl self,vader -np "$ranks" "$build/tests/bench/bench_pdes" \
          "${common[@]}" --lookahead "$la" --end "$end"
      done
      local f="$tmp/p1.out" eps windows epw sync rss events speedup
      events="$(awk '/^  events  / {print $2}' "$f")"
      windows="$(awk '/^  windows/ {print $2}' "$f")"
      epw="$(awk '/events\/window/ {printf "%.0f", $2}' "$f")"
      eps="$(for i in $(seq "$repeat"); do awk '/events\/s/ {print $2}' "$tmp/p$i.out"; done | median)"
      sync="$(for i in $(seq "$repeat"); do awk '/sync time/ {gsub(/[(%]/, "", $6); print $6}' "$tmp/p$i.out"; done | median)"
      rss="$(for i in $(seq "$repeat"); do awk '/peak RSS/ {print $3}' "$tmp/p$i.out"; done | median)"
      if [ "$ranks" = 1 ]; then one="$eps" speedup="—"; else speedup="$(printf '%.2fx' "$(echo "$eps / $one" | bc -l)")"; fi
      printf '| %s, %s | %s | %s | %s | %s | %.2f | %s | %s %% | %s |\n' "$la" "$end" "$ranks" "$(commas "$events")" \
        "$(commas "$windows")" "$(commas "$epw")" "$eps" "$speedup" "$sync" "$rss"
    done
  done
  measured "$load" "$repeat"
}

# Packet-level network throughput (tests/bench/bench_network): real NICs and switches on the
# engine, one rank; all-to-all of one-packet messages and a ring of 16 KiB steps.
bench_network() {
  local load
  load="$(load1)"
  echo '| traffic | NPUs | messages | packet-hops | events | wall (s) | CPU (s) | M packet-hops / CPU-s | M events / CPU-s | peak RSS (MiB) | per NPU (KiB) |'
  echo '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'
  local spec label
  while IFS='|' read -r label spec; do
    log "network: $label, $repeat run(s)"
    for i in $(seq "$repeat"); do
      # shellcheck disable=SC2086
      timed "$tmp/n$i" "$build/tests/bench/bench_network" $spec
    done
    local f="$tmp/n1.out" npus msgs hops events wall cpu rss
    npus="$(sed -n 's/.*npus=\([0-9]*\).*/\1/p' "$f")"
    msgs="$(awk '/^  messages/ {print $2}' "$f")"
    hops="$(awk '/^  packet-hops/ {print $2}' "$f")"
    events="$(awk '/^  events  / {print $2}' "$f")"
    wall="$(for i in $(seq "$repeat"); do awk '/wall \(run\)/ {print $3}' "$tmp/n$i.out"; done | median)"
    cpu="$(for i in $(seq "$repeat"); do awk '/cpu \(all ranks\)/ {print $4}' "$tmp/n$i.out"; done | median)"
    rss="$(for i in $(seq "$repeat"); do awk '/peak RSS/ {print $3}' "$tmp/n$i.out"; done | median)"
    printf '| %s | %s | %s | %s | %s | %s | %s | %.2f | %.2f | %.1f | %.0f |\n' "$label" "$npus" "$(commas "$msgs")" \
      "$(commas "$hops")" "$(commas "$events")" "$wall" "$cpu" "$(echo "$hops / $cpu / 1000000" | bc -l)" \
      "$(echo "$events / $cpu / 1000000" | bc -l)" "$rss" "$(echo "$rss * 1024 / $npus" | bc -l)"
  done <<'EOF'
fat-tree k=32 (2 levels), all-to-all of 4 KiB|--topology fat-tree --npus 1024 --radix 32 --pattern all-to-all --bytes 4KiB
HGX-H100, 128 boxes, all-to-all of 4 KiB|--topology hgx --npus 1024 --pattern all-to-all --bytes 4KiB
ASTRA-sim Ring (50 GiB/s, 500 ns), ring of 16 KiB x 64 rounds|--topology ring --npus 4096 --pattern ring --bytes 16KiB --rounds 64
EOF
  measured "$load" "$repeat"
}

# The collective layer alone (tests/bench/bench_collective): every NPU runs one collective through
# its executor on the engine, over the congestion-unaware network; loopback ranks are threads.
bench_collective() {
  local load
  load="$(load1)"
  echo '| collective | NPUs | loopback ranks | messages | simulated | wall (s) | messages/s | RSS growth per NPU (KiB) |'
  echo '|---|---:|---:|---:|---:|---:|---:|---:|'
  local spec label
  while IFS='|' read -r label spec; do
    log "collective: $label, $repeat run(s)"
    for i in $(seq "$repeat"); do
      # shellcheck disable=SC2086
      timed "$tmp/c$i" "$build/tests/bench/bench_collective" $spec
    done
    local f="$tmp/c1.out" npus ranks msgs sim wall growth
    read -r npus ranks < <(awk '/^npus/ {print $2, $9}' "$f")
    msgs="$(awk '/^messages/ {print $2}' "$f")"
    sim="$(awk '/^simulated/ {print $2, $3}' "$f")"
    wall="$(for i in $(seq "$repeat"); do awk '/^messages/ {print $4}' "$tmp/c$i.out"; done | median)"
    growth="$(for i in $(seq "$repeat"); do awk '/max RSS/ {gsub(/,/, "", $6); print $6}' "$tmp/c$i.out"; done | median)"
    printf '| %s | %s | %s | %s | %s | %s | %s | %.1f |\n' "$label" "$npus" "$ranks" "$(commas "$msgs")" \
      "${sim/us/µs}" "$wall" "$(commas "$(printf '%.0f' "$(echo "$msgs / $wall" | bc -l)")")" "$growth"
  done <<'EOF'
all-reduce 16 MiB, Ring x Ring [32, 32], ring/ring, 4 splits|--topology Ring,Ring --npus 32,32 --impl ring,ring --collective AR --size 16MiB --splits 4
the same on 2 ranks|--topology Ring,Ring --npus 32,32 --impl ring,ring --collective AR --size 16MiB --splits 4 --ranks 2
all-to-all 16 MiB, Ring 256, direct, 1 split|--topology Ring --npus 256 --impl direct --collective A2A --size 16MiB --splits 1
EOF
  measured "$load" "$repeat"
}

# Reading and loading a large Chakra trace (tests/bench/bench_workload_load): a synthetic
# 10^6-node PyTorch-like trace, streamed by the reader, then loaded (validated, sorted, linked).
bench_workload-load() {
  local load nodes=1000000
  load="$(load1)"
  echo '| nodes | file (MiB) | bytes / node on disk | stream (M nodes/s) | load (M nodes/s) | Workload bytes / node | peak RSS / file size |'
  echo '|---:|---:|---:|---:|---:|---:|---:|'
  log "workload-load: $nodes nodes, $repeat run(s)"
  for i in $(seq "$repeat"); do timed "$tmp/w$i" "$build/tests/bench/bench_workload_load" "$nodes" "$tmp"; done
  local f="$tmp/w1.out" file per stream ld wl rss
  read -r file per < <(sed -n 's/.*file \([0-9.]*\) MiB (\([0-9.]*\) B\/node).*/\1 \2/p' "$f")
  stream="$(for i in $(seq "$repeat"); do sed -n 's/^  stream: [0-9.]* s (\([0-9.]*\) M nodes.*/\1/p' "$tmp/w$i.out"; done | median)"
  ld="$(for i in $(seq "$repeat"); do sed -n 's/^  load  : [0-9.]* s (\([0-9.]*\) M nodes.*/\1/p' "$tmp/w$i.out"; done | median)"
  wl="$(sed -n 's/.*Workload holds [0-9.]* MiB (\([0-9.]*\) B\/node.*/\1/p' "$f")"
  rss="$(for i in $(seq "$repeat"); do sed -n 's/.*= \([0-9.]*\) x the file size/\1/p' "$tmp/w$i.out"; done | median)"
  printf '| %s | %s | %s | %s | %s | %s | %sx |\n' "$(commas "$nodes")" "$file" "$per" "$stream" "$ld" "$wl" "$rss"
  measured "$load" "$repeat"
}

# The HDF5 writer at scale (tests/bench/bench_hdf5_write): the sample step of 16,384 NPUs, 20
# layers, spread round robin over the ranks (the worst case for row selections), under mpirun.
bench_hdf5-write() {
  local load
  load="$(load1)"
  echo '| ranks | NPUs | interval rows | link bins | file (MB) | write (s) | MB/s |'
  echo '|---:|---:|---:|---:|---:|---:|---:|'
  local ranks
  for ranks in 1 2 4; do
    log "hdf5-write: 16384 NPUs on $ranks rank(s), $repeat run(s)"
    for i in $(seq "$repeat"); do
      timed "$tmp/h$i" mpirun --bind-to none -np "$ranks" "$build/tests/bench/bench_hdf5_write" --npus 16384 --layers 20 \
        --out "$tmp/write.h5"
    done
    local f="$tmp/h1.out" rows bins mb write rate
    read -r rows bins < <(sed -n 's/.* NPUs, \([0-9]*\) interval rows, \([0-9]*\) link bins.*/\1 \2/p' "$f")
    mb="$(sed -n 's/.*file \([0-9.]*\) MB.*/\1/p' "$f")"
    write="$(for i in $(seq "$repeat"); do sed -n 's/.*write \([0-9.]*\) s.*/\1/p' "$tmp/h$i.out"; done | median)"
    rate="$(for i in $(seq "$repeat"); do sed -n 's/.* \([0-9.]*\) MB\/s.*/\1/p' "$tmp/h$i.out"; done | median)"
    printf '| %s | 16,384 | %s | %s | %s | %s | %s |\n' "$ranks" "$(commas "$rows")" "$(commas "$bins")" "$mb" "$write" "$rate"
  done
  rm -f "$tmp/write.h5"
  measured "$load" "$repeat"
}

# What writing the HDF5 timelines (--output) adds to a large run: the 1024-GPU HGX-H100 scenario,
# stopped at 540 ms of simulated time, with and without --output, on 1 and 2 ranks; runs with and
# without alternate so that a change of load hits both alike.
bench_output-overhead() {
  local load scenario="$root/configs/scenarios/large-hgx-h100-1024.yaml" ranks i
  load="$(load1)"
  echo '| ranks | wall without (s) | wall with (s) | overhead | CPU without (s) | CPU with (s) | file (MB) |'
  echo '|---:|---:|---:|---:|---:|---:|---:|'
  for ranks in 1 2; do
    for i in $(seq "$repeat"); do
      log "output-overhead: $ranks rank(s), run $i of $repeat (about a minute per run on one core)"
      # shellcheck disable=SC2046
      timed_stop "$tmp/o0-$i" $(launch "$ranks") "$tessera" run "$scenario" --max-sim-time 540ms --quiet
      timed_stop "$tmp/o1-$i" $(launch "$ranks") "$tessera" run "$scenario" --max-sim-time 540ms --quiet \
        --output "$tmp/overhead.h5"
    done
    local w0 w1 c0 c1 mb
    w0="$(for i in $(seq "$repeat"); do wall_of "$tmp/o0-$i"; done | median)"
    w1="$(for i in $(seq "$repeat"); do wall_of "$tmp/o1-$i"; done | median)"
    c0="$(for i in $(seq "$repeat"); do cpu_of "$tmp/o0-$i"; done | median)"
    c1="$(for i in $(seq "$repeat"); do cpu_of "$tmp/o1-$i"; done | median)"
    mb="$(du -m --apparent-size "$tmp/overhead.h5" | cut -f1)"
    printf '| %s | %s | %s | %+.1f %% | %s | %s | %s |\n' "$ranks" "$w0" "$w1" "$(echo "($w1 / $w0 - 1) * 100" | bc -l)" \
      "$c0" "$c1" "$mb"
    rm -f "$tmp/overhead.h5"
  done
  measured "$load" "$repeat"
}

# The packet-level all-reduce on the large HGX-H100 clusters (slurm/sweep-allreduce.sh): 64 MiB
# per GPU, hierarchical ring (NVLink inside a box, InfiniBand across), 4 KiB packets, one rank.
bench_allreduce-hgx() {
  local load npus=4096 repeat=$repeat
  [ "$quick" = 1 ] && npus=1024
  [ "$repeat_given" = 1 ] || repeat=1
  load="$(load1)"
  echo '| GPUs | size | ranks | events | simulated | wall (s) | CPU (s) | M events / CPU-s | peak RSS (MiB) | per GPU (KiB) |'
  echo '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|'
  local work="$build/bench-allreduce-hgx"
  for i in $(seq "$repeat"); do
    log "allreduce-hgx: $npus GPUs, 64 MiB, 1 rank, run $i of $repeat (about 4 minutes at 4096 GPUs on an idle core)"
    rm -f "$work/results.csv"
    "$root/slurm/sweep-allreduce.sh" --npus "$npus" --sizes 64MiB --ranks 1 --work "$work" --bin "$tessera" 2>"$tmp/h.log" ||
      { cat "$tmp/h.log" >&2; exit 1; }
    tail -n 1 "$work/results.csv" >>"$tmp/hgx.csv"
  done
  local summary rc wall cpu rss events sim
  summary="$(tail -n 1 "$tmp/hgx.csv" | cut -d, -f11)"
  rc="$(cut -d, -f5 "$tmp/hgx.csv" | sort -u | tr '\n' ' ')"
  [ "$rc" = "0 " ] || { echo "bench.sh: allreduce-hgx: exit status $rc (see $work/results)" >&2; exit 1; }
  wall="$(cut -d, -f6 "$tmp/hgx.csv" | median)"
  cpu="$(cut -d, -f7,8 "$tmp/hgx.csv" | awk -F, '{printf "%.2f\n", $1 + $2}' | median)"
  rss="$(cut -d, -f9 "$tmp/hgx.csv" | awk '{printf "%.1f\n", $1 / 1024}' | median)"
  read -r events sim < <(python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(j["events"], j["end_time_ps"])' "$summary")
  printf '| %s | 64 MiB | 1 | %s | %s | %s | %s | %.2f | %s | %.0f |\n' "$npus" "$(commas "$events")" \
    "$(fmt_time "$sim")" "$wall" "$cpu" "$(echo "$events / $cpu / 1000000" | bc -l)" "$rss" \
    "$(echo "$rss * 1024 / $npus" | bc -l)"
  measured "$load" "$repeat"
}

# nccl-tests' whole all_reduce_perf sweep of one HGX-H100 box in simulation (32 sizes, 8 B - 16 GiB,
# each a packet-model run of NCCL's choice: Ring LL up to 1 MiB, NVLS Simple from 2 MiB), in one
# process pinned to one core; --quick stops at 64 MiB.
bench_nccl-sweep() {
  local load top=16G wall cpu rss sim
  [ "$quick" = 1 ] && top=64M
  load="$(load1)"
  echo '| program | sizes | simulated (sum of the calls) | wall (s) | CPU (s) | peak RSS (MiB) |'
  echo '|---|---|---:|---:|---:|---:|'
  for i in $(seq "$repeat"); do
    log "nccl-sweep: run $i of $repeat"
    timed "$tmp/n$i" taskset -c 0 "$tessera" nccl-tests all_reduce_perf -b 8 -e "$top" -f 2 \
      --network "$root/configs/network/hgx-h100-1box.yaml" --json "$tmp/n$i.json"
  done
  wall="$(for i in $(seq "$repeat"); do wall_of "$tmp/n$i"; done | median)"
  cpu="$(for i in $(seq "$repeat"); do cpu_of "$tmp/n$i"; done | median)"
  rss="$(for i in $(seq "$repeat"); do rss_mib_of "$tmp/n$i"; done | median)"
  sim="$(python3 -c 'import json, sys; print(round(sum(r["time_us"] for r in json.load(open(sys.argv[1]))["rows"]) * 1e6))' "$tmp/n1.json")"
  printf '| `all_reduce_perf -b 8 -e %s -f 2`, 1 box | %s | %s | %s | %s | %s |\n' "$top" \
    "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$tmp/n1.json")" \
    "$(fmt_time "$sim")" "$wall" "$cpu" "$rss"
  measured "$load" "$repeat"
}

# One LLM training step, each run in one process pinned to one core: the DGXC Llama 3.1 8B step on
# one box with the flow model and, as the baseline in the same run, with the packet model; then
# GPT-3 175B on 512 GPUs (TP4 PP8 VP4 DP16) with the flow model. --quick leaves out the 512 GPUs.
bench_llm-step() {
  local load name scen model wall cpu rss events sim base_wall="" ratio
  load="$(load1)"
  echo '| scenario | network model | ranks | simulated step | events | wall (s) | CPU (s) | peak RSS (MiB) | wall / packet |'
  echo '|---|---|---:|---:|---:|---:|---:|---:|---:|'
  local rows=("dgxc-llama3.1-8b-8gpu-bf16 packet 1" "dgxc-llama3.1-8b-8gpu-bf16 flow 1") ranks
  [ "$quick" = 1 ] || rows+=("gpt3-175b-512gpu-tp4-pp8-vp4 flow 1" "llama3.1-405b-2048gpu-tp8-pp8-vp8-cp2 flow 2")
  for row in "${rows[@]}"; do
    read -r name model ranks <<<"$row"
    scen="$root/configs/scenarios/llm/$name.yaml"
    for i in $(seq "$repeat"); do
      log "llm-step: $name ($model, $ranks rank(s)), run $i of $repeat"
      if [ "$ranks" = 1 ]; then
        timed "$tmp/l$i" taskset -c 0 "$tessera" run "$scen" --network-model "$model" --quiet \
          --summary-json "$tmp/l$i.json"
      else  # peak RSS: the largest rank's (GNU time reports the largest waited-for process)
        timed "$tmp/l$i" $(launch "$ranks") "$tessera" run "$scen" --network-model "$model" --quiet \
          --summary-json "$tmp/l$i.json"
      fi
    done
    wall="$(for i in $(seq "$repeat"); do wall_of "$tmp/l$i"; done | median)"
    cpu="$(for i in $(seq "$repeat"); do cpu_of "$tmp/l$i"; done | median)"
    rss="$(for i in $(seq "$repeat"); do rss_mib_of "$tmp/l$i"; done | median)"
    read -r events sim < <(python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(j["events"], j["llm"]["step_time_ps"])' "$tmp/l1.json")
    if [ "$model" = packet ]; then base_wall="$wall"; ratio=1; else
      ratio="$(python3 -c 'import sys; print("%.3f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$wall" "$base_wall")"
      [ "$name" = dgxc-llama3.1-8b-8gpu-bf16 ] || ratio="–"
    fi
    printf '| `%s` | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$model" "$ranks" "$(fmt_time "$sim")" "$(commas "$events")" \
      "$wall" "$cpu" "$rss" "$ratio"
  done
  measured "$load" "$repeat"
}

commit_label="$(commit)"

# --- run, print, update ----------------------------------------------------------------------

for b in "${selected[@]}"; do
  "bench_$b" >"$tmp/$b.md"
  printf '<!-- bench:%s -->\n' "$b"
  cat "$tmp/$b.md"
  printf '<!-- /bench:%s -->\n\n' "$b"
  if [ -n "$update" ]; then
    grep -q "^<!-- bench:$b -->\$" "$update" || { echo "bench.sh: $update has no <!-- bench:$b --> block; not updated" >&2; continue; }
    awk -v name="$b" -v block="$tmp/$b.md" '
      $0 == "<!-- bench:" name " -->" {print; while ((getline line < block) > 0) print line; skip = 1; next}
      $0 == "<!-- /bench:" name " -->" {skip = 0}
      !skip {print}' "$update" >"$tmp/page" && cat "$tmp/page" >"$update"
    log "updated the $b table in $update"
  fi
done
