#!/usr/bin/env bash
# The first thing to run: installs missing Debian packages, builds the release preset and runs
# the main program.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
echo "quickstart: configuring (cmake --preset release)"
cmake --preset release >/dev/null
echo "quickstart: building the examples (cmake --build --preset release)"
cmake --build --preset release --target 01_model_summary
echo "quickstart: running build/release/examples/01_model_summary"
build/release/examples/01_model_summary "$@"
