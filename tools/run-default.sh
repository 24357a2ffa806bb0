#!/usr/bin/env bash
# Sets up (packages, configure, build) and runs the default scenario: ResNet-50 data-parallel
# on one HGX-H100 box (8 NPUs) under mpirun with 2 ranks. Extra arguments go to `tessera run`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
"$here/setup.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
cd "$root"
exec mpirun -np 2 "$build/tessera" run configs/scenarios/default.yaml "$@"
