#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer), in
# its own build dir. Usage: tools/test-sanitize.sh [ctest arguments...]
# Env: BUILD_DIR (default <repo>/build-asan). Any report fails the test that triggered it:
# UBSan stops at the first finding (-fno-sanitize-recover), ASan/LSan exit non-zero.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export BUILD_DIR="${BUILD_DIR:-$root/build-asan}"
"$here/setup.sh" -DTESSERA_SANITIZE=ON
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" "$@"
