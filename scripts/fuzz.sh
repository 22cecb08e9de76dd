#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) and runs each of them for a
# time from its seed corpus, printing executions, coverage (libFuzzer's cov/ft) and findings.
#   scripts/fuzz.sh [seconds per target, default 60] [target...]     targets: idx cifar10 image weights npy cli
# Environment: FUZZ_JOBS (targets run at once, default 1), FUZZ_BUILD (build folder, default build/fuzz).
# The corpora grow in $FUZZ_BUILD/tests/fuzz/work/<target>/ (kept between runs; the committed seeds in
# tests/fuzz/corpus/ are only read); a crash, leak, timeout or out-of-memory input is written to
# $FUZZ_BUILD/tests/fuzz/artifacts/<target>/ and the script exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(idx cifar10 image weights npy cli)
build=${FUZZ_BUILD:-build/fuzz}
jobs=${FUZZ_JOBS:-1}
if ! command -v clang++ >/dev/null; then
  echo "fuzz: skipped: clang++ not found (Debian: apt-get install clang libclang-rt-14-dev, or scripts/deps.sh)"
  exit 0
fi
echo "fuzz: configuring $build (preset fuzz: clang++, -fsanitize=fuzzer,address,undefined)"
cmake --preset fuzz -B "$build" -DCNNBENCH_FUZZ_SECONDS="$seconds" >/dev/null
if grep -q '^CNNBENCH_HAVE_LIBFUZZER:INTERNAL=1' "$build/CMakeCache.txt"; then
  echo "fuzz: building ${targets[*]}"
  cmake --build "$build" --target "${targets[@]/#/fuzz_}"
else
  echo "fuzz: clang++ cannot link -fsanitize=fuzzer (libclang-rt-14-dev missing?): the fuzz tests report Skipped"
fi
echo "fuzz: running each target for ${seconds}s, $jobs at a time"
ctest --test-dir "$build" -L fuzz -j "$jobs" -R "^fuzz\.($(IFS='|'; echo "${targets[*]}"))\$" --output-on-failure -V |
  grep -E '^[0-9]+: (fuzz_|ERROR|SUMMARY|==)|tests passed|tests failed|Failed|Passed' || true
status=0
grep -q '^CNNBENCH_HAVE_LIBFUZZER:INTERNAL=1' "$build/CMakeCache.txt" || exit 0
for t in "${targets[@]}"; do
  log="$build/tests/fuzz/artifacts/$t/last_run.log"
  [[ -f $log ]] || { echo "fuzz: $t did not run" >&2; status=1; continue; }
  found=$(find "$build/tests/fuzz/artifacts/$t" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  [[ $found -eq 0 ]] || status=1
done
exit $status
