// fashion_mnist: the S1 comparison ("Comparison Flux, Pytorch and Tensorflow 2.0") reproduced on real
// Fashion-MNIST with every policy this program was built with, next to the published table.
//
//   fashion_mnist                                  quick protocol (3 trials x 4 epochs), every policy available
//   fashion_mnist --protocol published             the write-up's 200 epochs x 10 trials, its optimizers
//   fashion_mnist --policy eigen_cpu               one policy
//   fashion_mnist --epochs 1 --trials 2 --optimizer sgd --lr 0.05 --out /tmp/run
//
// Writes report.md, results.csv, results.json and learning_curves.{png,svg} into --out, and prints
// the table. Exit codes: 0 done (diverged trials are reported, not fatal), 2 bad input (missing or
// corrupt data, unwritable --out, bad option), 1 anything unexpected. The protocol, its data and its
// published table are bench::protocols::s1 (bench/protocols/s1.hpp); the program is bench::run_program.
#include <cnnbench/bench/program.hpp>
#include <cnnbench/bench/protocols/s1.hpp>

#include "build_info.hpp"

int main(int argc, char** argv) {
  cnnbench::bench::set_git_commit(cnnbench_example_git_commit());
  return cnnbench::bench::run_program<cnnbench::bench::protocols::s1>(argc, argv);
}
