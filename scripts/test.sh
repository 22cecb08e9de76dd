#!/usr/bin/env bash
# Runs the CPU test suite: installs missing Debian packages, configures the "ci" preset, builds
# everything (tests, examples) and runs ctest. GPU tests report "skipped" without a CUDA device.
#   scripts/test.sh [extra ctest arguments, e.g. -L cpu or -R layer]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
echo "test: configuring (cmake --preset ci)"
cmake --preset ci >/dev/null
echo "test: building (cmake --build --preset ci); template-heavy code takes a few minutes on 2 cores"
cmake --build --preset ci
echo "test: running (ctest --preset ci)"
ctest --preset ci "$@"
