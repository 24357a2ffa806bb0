#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer), in
# its own build dir. Usage: tools/test-sanitize.sh [ctest arguments...]
# Env: BUILD_DIR (default <repo>/build-asan), TIMEOUT_SCALE (default 4: multiplies every test's
# TIMEOUT in that build dir only). Any report fails the test that triggered it:
# UBSan stops at the first finding (-fno-sanitize-recover), ASan/LSan exit non-zero.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
export BUILD_DIR="${BUILD_DIR:-$root/build-asan}"
"$here/setup.sh" -DTESSERA_SANITIZE=ON
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# fast_unwind_on_malloc=0: Open MPI is built without frame pointers, so the fast unwinder records
# only the first frame of an allocation made inside an MCA plugin; MPI_Finalize dlclose()s the
# plugins, and LeakSanitizer then sees a one-frame stack in "<unknown module>" that no suppression
# can match. The slow (DWARF) unwinder records the whole stack (libmpi, libopen-pal, ... above the
# plugin), which tools/lsan.supp matches.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:fast_unwind_on_malloc=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
# Sanitized code runs several times slower (and these timeouts were set for a plain build), so every
# TIMEOUT of this build dir's tests is multiplied by TIMEOUT_SCALE (default 4). Only the generated
# CTestTestfile.cmake files of $BUILD_DIR are rewritten (regenerated, then rescaled, on every run);
# normal builds keep the timeouts of tests/**/CMakeLists.txt. CTest 3.25 has no timeout multiplier.
scale="${TIMEOUT_SCALE:-4}"
find "$BUILD_DIR" -name CTestTestfile.cmake -exec \
  perl -pi -e 's/\bTIMEOUT "(\d+)"/"TIMEOUT \"" . $1 * '"$scale"' . "\""/ge' {} +
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" "$@"
