#!/usr/bin/env bash
# Runs the CPU test suite: installs missing Debian packages and the Python frameworks' venvs the
# equivalence tests use (scripts/frameworks.sh), configures the "ci" preset, builds everything
# (tests, examples) and runs ctest. GPU tests report "skipped" without a CUDA device.
#   scripts/test.sh [extra ctest arguments, e.g. -L cpu or -R layer]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
# The real data subsets (MNIST, CIFAR-10) the data tests read at run time, where CI keeps them: a
# shared/ folder beside the checkout. Without it (and without CNNBENCH_DATA_DIR set), those tests
# report "skipped".
if [[ -z "${CNNBENCH_DATA_DIR:-}" && -d ../shared/data ]]; then
  CNNBENCH_DATA_DIR="$(cd ../shared/data && pwd)"
  export CNNBENCH_DATA_DIR
  echo "test: real data from CNNBENCH_DATA_DIR=$CNNBENCH_DATA_DIR"
fi
echo "test: configuring (cmake --preset ci)"
cmake --preset ci >/dev/null
# The Python frameworks the equivalence tests run in CI (tests/frameworks/): TensorFlow and MXNet (the
# smallest of the others to install and the quickest to test; JAX, Keras-on-JAX, PyTorch 2 and Chainer
# are tested the same way where their venvs exist: scripts/frameworks.sh NAME), each
# in its own venv with the pinned versions (scripts/frameworks.sh; PyPI). Those whose
# generator or requirements are not in this tree yet are left out; a failed install leaves that
# framework's tests Skipped and is reported here. CNNBENCH_SKIP_FRAMEWORKS=1 skips the installs.
# They are made while the build runs, at a lower priority (mostly downloads and disk; the build needs
# none of them), their output kept in build/frameworks.log and shown once the build is done.
fw_pid=""
if [[ "${CNNBENCH_SKIP_FRAMEWORKS:-0}" != 1 ]]; then
  frameworks=()
  for f in tensorflow mxnet; do
    [[ -f bench/frameworks/requirements/$f.txt ]] && frameworks+=("$f")
  done
  echo "test: Python frameworks for the equivalence tests, made during the build: ${frameworks[*]} (scripts/frameworks.sh)"
  mkdir -p build
  nice -n 10 scripts/frameworks.sh "${frameworks[@]}" >build/frameworks.log 2>&1 &
  fw_pid=$!
  trap '[[ -z $fw_pid ]] || kill "$fw_pid" 2>/dev/null || true' EXIT  # a failed build stops it
fi
echo "test: building (cmake --build --preset ci); template-heavy code takes a few minutes on 2 cores"
cmake --build --preset ci
if [[ -n $fw_pid ]]; then
  fw_status=0
  wait "$fw_pid" || fw_status=$?
  fw_pid=""
  cat build/frameworks.log
  [[ $fw_status -eq 0 ]] || echo "test: WARNING: a framework venv could not be made; its tests report Skipped" >&2
fi
echo "test: running (ctest --preset ci)"
ctest --preset ci "$@"
