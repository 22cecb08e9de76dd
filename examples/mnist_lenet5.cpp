// mnist_lenet5: S4's protocol with the classic LeNet-5 (Dive into Deep Learning),
// with every policy this program was built with, next to the published table.
//
//   mnist_lenet5 --data DIR           the same arms with LeNet-5
//   mnist_lenet5 --help                    the protocol, its data and its published source
//
// Writes report.md, results.csv, results.json and learning_curves.{png,svg} into --out (default
// out/mnist_lenet5). Exit codes: 0 done, 2 bad input, 1 anything unexpected. The protocol, its data and its
// published table are bench::protocols::s4_classic (bench/protocols/s4.hpp);
// the program is bench::run_program.
#include <cnnbench/bench/program.hpp>
#include <cnnbench/bench/protocols/s4.hpp>

#include "build_info.hpp"

int main(int argc, char** argv) {
  cnnbench::bench::set_git_commit(cnnbench_example_git_commit());
  return cnnbench::bench::run_program<cnnbench::bench::protocols::s4_classic>(argc, argv);
}
