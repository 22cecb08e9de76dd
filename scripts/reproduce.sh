#!/usr/bin/env bash
# Every published comparison in one go: builds the release preset's benchmark programs and runs each
# protocol's quick variant with every policy this build has that can run here, on the real data, then
# writes one combined report: out/reproduce/{report.md, results.csv, results.json} (and each program's
# own folder with its plots). About 20 minutes on 2 cores.
#   scripts/reproduce.sh [--data DIR] [extra arguments for every program, e.g. --threads 2]
# DIR holds cifar10/, mnist/ and cats_vs_dogs/ (default: $CNNBENCH_DATA_DIR, else ../shared/data beside
# the checkout); Fashion-MNIST comes from the Debian package dataset-fashion-mnist. A protocol whose
# data is missing is reported as such in the combined report, and the others still run.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${CNNBENCH_DATA_DIR:-../shared/data}"
if [ "${1:-}" = "--data" ]; then data="$2"; shift 2; fi
out=out/reproduce
scripts/deps.sh
echo "reproduce: configuring (cmake --preset release)"
cmake --preset release >/dev/null
programs=(fashion_mnist cifar10_vgg cifar10_keras mnist_lenet mnist_lenet5 cats_vs_dogs cats_vs_dogs_binary)
echo "reproduce: building ${programs[*]}"
cmake --build --preset release --target "${programs[@]}"
mkdir -p "$out"
start=$(date +%s)
status=0
for p in "${programs[@]}"; do
  case "$p" in
    fashion_mnist) args=() ;;
    cifar10_vgg | cifar10_keras) args=(--data "$data/cifar10") ;;
    mnist_lenet | mnist_lenet5) args=(--data "$data/mnist") ;;
    cats_vs_dogs | cats_vs_dogs_binary) args=(--data "$data/cats_vs_dogs") ;;
  esac
  echo "reproduce: build/release/examples/$p ${args[*]} --out $out/$p --quiet $*"
  t0=$(date +%s)
  if build/release/examples/"$p" "${args[@]}" --out "$out/$p" --quiet "$@" > "$out/$p.log" 2>&1; then
    echo "reproduce: $p done in $(( $(date +%s) - t0 )) s"
    echo "$(( $(date +%s) - t0 ))" > "$out/$p.seconds"
  else
    rc=$?
    echo "reproduce: $p failed (exit $rc): see $out/$p.log"
    status=1
  fi
done
python3 scripts/combine_reports.py "$out" "${programs[@]}"
echo "reproduce: all protocols in $(( $(date +%s) - start )) s; combined report: $out/report.md"
exit $status
