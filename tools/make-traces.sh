#!/usr/bin/env bash
# Regenerates the Chakra traces under traces/ with the tessera tools, so that every committed
# trace has a documented origin.
#   tools/make-traces.sh [TESSERA_BIN]              rewrite traces/ (default binary: build/tessera)
#   tools/make-traces.sh --check TESSERA_BIN DIR     generate into DIR and compare with traces/
#                                                    byte for byte (the CTest test workload.traces)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
bin="${1:-$root/build/tessera}"
if [ "$check" = 1 ]; then
  out="${2:?usage: make-traces.sh --check TESSERA_BIN DIR}"
  rm -rf "$out"
else
  out="$root/traces"
fi
[ -x "$bin" ] || { echo "make-traces: no tessera binary at $bin (build first)" >&2; exit 2; }

# ResNet-50 data parallel, one pass, from ASTRA-sim's text workload (Chakra's text converter graph).
for n in 2 4 8 16; do
  "$bin" trace convert-text "$root/traces/text/Resnet50_DataParallel.txt" --npus "$n" --passes 1 \
    --out "$out/resnet50/${n}npus" >/dev/null
done

# Collective microbenchmarks: ASTRA-sim's examples/workload/microbenchmarks set (1 MiB per NPU).
for c in all_reduce all_gather reduce_scatter all_to_all; do
  for n in 4 8 16; do
    "$bin" trace microbench --collective "$c" --npus "$n" --size 1MiB --out "$out/microbenchmarks/$c/${n}npus_1MB" >/dev/null
  done
done

if [ "$check" = 1 ]; then
  status=0
  for d in resnet50 microbenchmarks; do
    diff -r "$root/traces/$d" "$out/$d" || status=1
  done
  if [ "$status" != 0 ]; then
    echo "make-traces: traces/ differs from what the tools generate; run tools/make-traces.sh and commit" >&2
    exit 1
  fi
  echo "make-traces: traces/ is up to date"
else
  echo "make-traces: wrote $out/resnet50 and $out/microbenchmarks"
fi
