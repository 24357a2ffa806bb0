#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan, own build dir) and fuzzes each for a while.
# Usage: tools/fuzz.sh [seconds-per-target] [target...]   (default 30 s, every target)
# Env: FUZZ_BUILD_DIR (default <repo>/build-fuzz), FUZZ_JOBS (parallel build jobs, default 2).
# Seeds are the repository's own fixtures (traces/, configs/, tests/); the working corpus grows
# under $FUZZ_BUILD_DIR/corpus/<target>. A crash, hang (-timeout) or memory blow-up (-rss_limit_mb)
# leaves its input in $FUZZ_BUILD_DIR/artifacts/<target>/ and makes the script exit 1: fix the bug,
# then copy the input to tests/fuzz/regressions/<target>/ so the replay tests keep it fixed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${1:-30}"
shift || true
all=(et_reader text_workload scenario_yaml astra_network astra_json units)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# Seeds per target: "directory:extension" pairs (extension "" = every file).
seeds_for() {
  case "$1" in
    et_reader) echo "traces:.et tests/integration/bad_inputs/inputs/et:.et" ;;
    text_workload) echo "traces/text:.txt tests/integration/bad_inputs/inputs/text:.txt" ;;
    scenario_yaml) echo "configs/scenarios:.yaml configs/network:.yaml configs/system:.yaml tests/integration/cli/inputs:.yaml tests/integration/bad_inputs/inputs/scenario:.yaml" ;;
    astra_network) echo "configs/astra-sim:.yml tests/integration/cli/inputs:.yml tests/integration/bad_inputs/inputs/astra:.yml" ;;
    astra_json) echo "configs/astra-sim:.json tests/integration/cli/inputs:.json tests/integration/bad_inputs/inputs/astra:.json" ;;
    units) echo "tests/fuzz/seeds/units:" ;;
    *) echo "fuzz.sh: unknown target '$1' (targets: ${all[*]})" >&2; exit 2 ;;
  esac
}

command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found: apt-get install clang libclang-rt-14-dev llvm" >&2; exit 2; }
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -DTESSERA_FUZZ=ON -DTESSERA_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j "${FUZZ_JOBS:-2}" --target "${targets[@]/#/fuzz_}"

status=0
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"; artifacts="$build/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  for spec in $(seeds_for "$t"); do
    dir="$root/${spec%%:*}"; ext="${spec#*:}"
    find "$dir" -type f -name "*$ext" ! -name '.*' -size -256k -exec cp -n {} "$corpus/" \;
  done
  # Every regression input first (libFuzzer runs files given by name once each).
  mapfile -t regressions < <(find "$root/tests/fuzz/regressions/$t" -type f ! -name '.*' 2>/dev/null | sort)
  if [ ${#regressions[@]} -gt 0 ]; then
    "$build/fuzz/fuzz_$t" "${regressions[@]}" 2>&1 | tail -1 || { echo "fuzz.sh: $t: a regression input fails again" >&2; status=1; continue; }
  fi
  echo "== fuzz_$t: ${seconds}s, corpus $(ls "$corpus" | wc -l) inputs"
  if ! "$build/fuzz/fuzz_$t" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -malloc_limit_mb=1024 -max_len=65536 -artifact_prefix="$artifacts/" -print_final_stats=1 \
      >"$build/fuzz_$t.log" 2>&1; then
    echo "fuzz.sh: fuzz_$t FOUND A PROBLEM (log $build/fuzz_$t.log, input in $artifacts/):" >&2
    grep -E "ERROR|SUMMARY|==[0-9]+==|#[0-9]+ 0x" "$build/fuzz_$t.log" | head -20 >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|cov:" "$build/fuzz_$t.log" | tail -2
  fi
done
exit $status
