// cats_vs_dogs: S5, cats vs dogs at 224x224 with flips and rotations, with every policy this program
// was built with, next to the write-up's figures.
//
//   cats_vs_dogs --data DIR                 quick protocol (2 epochs, 300 photos per class) on DIR/train, DIR/val
//   cats_vs_dogs --data DIR --protocol published   the write-up's 6 epochs on every photo
//   cats_vs_dogs --help                    the protocol, its data and its published source
//
// Writes report.md, results.csv, results.json and learning_curves.{png,svg} into --out (default
// out/cats_vs_dogs). Exit codes: 0 done, 2 bad input, 1 anything unexpected. The protocol, its data and its
// published table are bench::protocols::s5 (bench/protocols/s5.hpp); the program is bench::run_program.
#include <cnnbench/bench/program.hpp>
#include <cnnbench/bench/protocols/s5.hpp>

#include "build_info.hpp"

int main(int argc, char** argv) {
  cnnbench::bench::set_git_commit(cnnbench_example_git_commit());
  return cnnbench::bench::run_program<cnnbench::bench::protocols::s5>(argc, argv);
}
