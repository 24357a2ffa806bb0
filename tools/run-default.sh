#!/usr/bin/env bash
# Sets up (packages, configure, build) and runs the default job: one training step of Llama 3.1 8B
# as NVIDIA's DGXC v24.11 recipe runs it on one HGX-H100 box (8 GPUs, TP1 CP2 DP4, NCCL, flow
# network model; published step 12.91 s) under mpirun with 2 ranks. Extra arguments go to
# `tessera run`. The ASTRA-sim example (ResNet-50) is configs/scenarios/default.yaml.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${BUILD_DIR:-$root/build}"
"$here/setup.sh"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
cd "$root"
exec mpirun -np 2 "$build/tessera" run configs/scenarios/llm/dgxc-llama3.1-8b-8gpu-bf16.yaml "$@"
