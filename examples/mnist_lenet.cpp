// mnist_lenet: S4, LeNet as coded in the TensorFlow-vs-MXNet comparison, on MNIST,
// with every policy this program was built with, next to the published table.
//
//   mnist_lenet --data DIR            four arms (two initialisations x raw or scaled pixels), 2 epochs x 2 trials
//   mnist_lenet --help                    the protocol, its data and its published source
//
// Writes report.md, results.csv, results.json and learning_curves.{png,svg} into --out (default
// out/mnist_lenet). Exit codes: 0 done, 2 bad input, 1 anything unexpected. The protocol, its data and its
// published table are bench::protocols::s4 (bench/protocols/s4.hpp);
// the program is bench::run_program.
#include <cnnbench/bench/program.hpp>
#include <cnnbench/bench/protocols/s4.hpp>

#include "build_info.hpp"

int main(int argc, char** argv) {
  cnnbench::bench::set_git_commit(cnnbench_example_git_commit());
  return cnnbench::bench::run_program<cnnbench::bench::protocols::s4>(argc, argv);
}
