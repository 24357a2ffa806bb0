#!/usr/bin/env bash
# Sets up (packages, configure, build), runs a bounded libFuzzer pass (tools/fuzz.sh, its own
# clang build dir; TESSERA_FUZZ_SECONDS per target, default 10 = about 60 s; 0 skips it), then
# every CTest test: unit, integration, determinism under real mpirun, Slurm, Python tools. CTest
# runs last so its summary closes the output.
# Usage: tools/test.sh [ctest arguments...]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
"$here/setup.sh"
# Open MPI refuses to run as root and to oversubscribe this 2-core machine unless told.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
fuzz_seconds="${TESSERA_FUZZ_SECONDS:-10}"
if [ "$fuzz_seconds" -gt 0 ]; then
  "$here/fuzz.sh" "$fuzz_seconds"
fi
cd "$build"
ctest --output-on-failure -j "$(nproc)" "$@"

