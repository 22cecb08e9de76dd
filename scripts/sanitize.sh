#!/usr/bin/env bash
# The CPU tests under sanitizers, as CI runs them (.ci/run, after scripts/test.sh):
#   1. ASan + UBSan (preset "sanitize", -O1, any finding aborts the test): every test of core_tests,
#      layer_tests, data_tests and conformance_eigen_cpu (the network and file formats, every layer
#      against its reference, the readers on real and corrupt files, every layer/loss/optimizer
#      under eigen_cpu at 2 threads);
#   2. ThreadSanitizer (preset "tsan"): policy_tests' determinism test, eigen_cpu training at 1 and
#      2 threads (SGD-momentum and Adam, 20 steps each, bit-identical weights).
#   scripts/sanitize.sh [asan|tsan]     (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
if [[ -z "${CNNBENCH_DATA_DIR:-}" && -d ../shared/data ]]; then
  CNNBENCH_DATA_DIR="$(cd ../shared/data && pwd)"
  export CNNBENCH_DATA_DIR
fi
# halt_on_error: the first finding fails the test; detect_leaks: LeakSanitizer too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
if [[ $what == all || $what == asan ]]; then
  echo "sanitize: ASan + UBSan: configuring and building core_tests layer_tests data_tests conformance_eigen_cpu (preset sanitize)"
  cmake --preset sanitize >/dev/null
  cmake --build --preset sanitize
  echo "sanitize: ASan + UBSan: running them"
  ctest --preset sanitize
fi
if [[ $what == all || $what == tsan ]]; then
  echo "sanitize: ThreadSanitizer: configuring and building policy_tests (preset tsan)"
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan
  echo "sanitize: ThreadSanitizer: eigen_cpu training at 2 threads"
  ctest --preset tsan
fi
