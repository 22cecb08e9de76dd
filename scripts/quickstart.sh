#!/usr/bin/env bash
# The first thing to run: installs missing Debian packages (Fashion-MNIST among them), builds the
# release preset and runs the main benchmark, examples/fashion_mnist, on the real data: the published
# Fashion-MNIST comparison (quick protocol: 3 trials x 4 epochs, a few minutes on 2 cores), printed
# next to the published table. Extra arguments go to fashion_mnist (e.g. --protocol published).
# Reports: out/fashion_mnist/{report.md,results.csv,results.json,learning_curves.png,learning_curves.svg}
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
echo "quickstart: configuring (cmake --preset release)"
cmake --preset release >/dev/null
echo "quickstart: building (cmake --build --preset release --target fashion_mnist 01_model_summary)"
cmake --build --preset release --target fashion_mnist 01_model_summary
echo "quickstart: running build/release/examples/fashion_mnist --out out/fashion_mnist $*"
build/release/examples/fashion_mnist --out out/fashion_mnist "$@"
