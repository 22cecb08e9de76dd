#!/usr/bin/env bash
# Writes the Rosetta Stone: for every published model and every framework with a generator, the
# generated standalone module, into out/rosetta/<model>/<framework>.py (never committed).
#   scripts/rosetta_stone.sh [build dir, default build/release] [train.json]
# Needs the build's examples/02_model_spec; train.json (frameworks/spec.hpp's training spec) sets the
# loss and optimizer (default: softmax cross-entropy, SGD lr 0.01 momentum 0.9). A framework that
# cannot express a model or optimizer is listed with its reason.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$repo/build/release}"
train=("${@:2}")
spec_tool="$build/examples/02_model_spec"
[[ -x "$spec_tool" ]] || { echo "rosetta_stone: no $spec_tool (build the examples first)" >&2; exit 2; }
out="$repo/out/rosetta"
mkdir -p "$out"
for model in $("$spec_tool" --list); do
  mkdir -p "$out/$model"
  "$spec_tool" --model "$model" -o "$out/$model/spec.json"
  for fw in tensorflow keras-jax pytorch jax mxnet chainer; do
    args=("$out/$model/spec.json" --framework "$fw" -o "$out/$model/$fw.py")
    [[ ${#train[@]} -gt 0 ]] && args+=(--train "${train[0]}")
    if python3 "$repo/bench/frameworks/codegen.py" "${args[@]}" 2>"$out/$model/$fw.err"; then
      echo "rosetta_stone: $model/$fw.py ($(grep -cv '^\s*$' "$out/$model/$fw.py") non-blank lines)"
      rm -f "$out/$model/$fw.err"
    else
      echo "rosetta_stone: $model/$fw: $(tail -1 "$out/$model/$fw.err")"
    fi
  done
done
