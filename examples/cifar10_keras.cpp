// cifar10_keras: S3, Keras' cifar10_cnn on the first 2,000 CIFAR-10 images,
// with every policy this program was built with, next to the published table.
//
//   cifar10_keras --data DIR          the write-up's protocol, 3 trials, on the CIFAR-10 binary files in DIR
//   cifar10_keras --help                    the protocol, its data and its published source
//
// Writes report.md, results.csv, results.json and learning_curves.{png,svg} into --out (default
// out/cifar10_keras). Exit codes: 0 done, 2 bad input, 1 anything unexpected. The protocol, its data and its
// published table are bench::protocols::s3 (bench/protocols/s3.hpp); the program is bench::run_program.
#include <cnnbench/bench/program.hpp>
#include <cnnbench/bench/protocols/s3.hpp>

#include "build_info.hpp"

int main(int argc, char** argv) {
  cnnbench::bench::set_git_commit(cnnbench_example_git_commit());
  return cnnbench::bench::run_program<cnnbench::bench::protocols::s3>(argc, argv);
}
