#!/usr/bin/env bash
# Ring all-reduce benchmark: a 64 MiB all-reduce on a 1-D Ring of 256 and 1024 NPUs with
# ASTRA-sim's Ring_8npus link parameters (50 GB/s, 500 ns) and Ring_4chunks system settings
# (ring, 4 splits, 1 active chunk, e = 10 ns, local-mem-bw 1600), for each network model, on 1 and
# 2 MPI ranks. Prints simulated time, wall time and peak RSS (rank 0's process; with 2 ranks the
# figure is per rank). Usage: tools/bench-allreduce.sh [NPUS...] (default: 256 1024);
# MODELS="astra-congestion-aware" and RANKS="1" narrow the sweep. Needs a build (BUILD_DIR).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
tessera="$build/tessera"
npus_list=("${@:-256 1024}")
read -r -a npus_list <<<"${npus_list[*]}"
models=(${MODELS:-astra-congestion-aware astra-congestion-unaware packet})
ranks_list=(${RANKS:-1 2})
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
printf '%-6s %-26s %-5s %16s %10s %10s\n' npus model ranks "simulated (ns)" "wall (s)" "RSS (MB)"
for n in "${npus_list[@]}"; do
  "$tessera" trace microbench --collective all_reduce --npus "$n" --size 64MiB --out "$tmp/ar$n" >/dev/null
  printf 'topology: [ Ring ]\nnpus_count: [ %d ]\nbandwidth: [ 50.0 ]\nlatency: [ 500.0 ]\n' "$n" >"$tmp/net$n.yml"
  for model in "${models[@]}"; do
    for ranks in "${ranks_list[@]}"; do
      launch=("$tessera")
      [ "$ranks" -gt 1 ] && launch=(mpirun -np "$ranks" "$tessera")
      out="$(/usr/bin/time -f 'RSS %M WALL %e' "${launch[@]}" run --quiet \
        --workload-configuration="$tmp/ar$n/all_reduce" \
        --system-configuration="$root/configs/astra-sim/examples/system/native_collectives/Ring_4chunks.json" \
        --network-configuration="$tmp/net$n.yml" \
        --remote-memory-configuration="$root/configs/astra-sim/examples/remote_memory/analytical/no_memory_expansion.json" \
        --network-model "$model" 2>&1)"
      sim="$(grep -m1 -o 'sys\[0\] finished, [0-9]*' <<<"$out" | grep -o '[0-9]*$' || echo '?')"
      rss="$(grep -o 'RSS [0-9]*' <<<"$out" | tail -1 | grep -o '[0-9]*')"
      wall="$(grep -o 'WALL [0-9.]*' <<<"$out" | tail -1 | grep -o '[0-9.]*$')"
      printf '%-6s %-26s %-5s %16s %10s %10.1f\n' "$n" "$model" "$ranks" "$sim" "$wall" "$(echo "${rss:-0} / 1024" | bc -l)"
    done
  done
done
