// cifar10_vgg: S2, the VGG-style CIFAR-10 CNN of the Rosetta Stone of frameworks, with every policy
// this program was built with, next to the published table.
//
//   cifar10_vgg --data DIR            quick protocol (2 epochs) on the CIFAR-10 binary files in DIR
//   cifar10_vgg --synthetic --protocol published   the published 10 epochs on random images of the full size (timing)
//   cifar10_vgg --help                    the protocol, its data and its published source
//
// Writes report.md, results.csv, results.json and learning_curves.{png,svg} into --out (default
// out/cifar10_vgg). Exit codes: 0 done, 2 bad input, 1 anything unexpected. The protocol, its data and its
// published table are bench::protocols::s2 (bench/protocols/s2.hpp); the program is bench::run_program.
#include <cnnbench/bench/program.hpp>
#include <cnnbench/bench/protocols/s2.hpp>

#include "build_info.hpp"

int main(int argc, char** argv) {
  cnnbench::bench::set_git_commit(cnnbench_example_git_commit());
  return cnnbench::bench::run_program<cnnbench::bench::protocols::s2>(argc, argv);
}
