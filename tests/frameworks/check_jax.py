#!/usr/bin/env python3
"""The "jax" policy's generated module, Flax + Optax + jax.jit (bench/frameworks/gen_jax.py), against PyTorch:
S1 and S3 (dropout 0) logits, evaluation and 20 SGD-momentum steps, and param_count of every published
model (tests/frameworks/equivalence.py says what is checked and how).

usage: check_jax.py s1|s3|param_counts VENV_ROOT WORK_DIR     (Skipped without VENV_ROOT/jax)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import equivalence  # noqa: E402

if __name__ == "__main__":
    sys.exit(equivalence.main(["jax", *sys.argv[1:4]]))
