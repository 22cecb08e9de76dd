// tests/support/data_dir.hpp: where the real data subsets are (MNIST, CIFAR-10, ...), read at run
// time: the environment variable CNNBENCH_DATA_DIR, else the CMake cache variable of that name
// (CNNBENCH_TEST_DATA_DIR, empty by default). Empty when neither is set: the data tests then report
// "skipped: ..." naming the path they looked for.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

namespace test_support {
inline std::filesystem::path data_dir() {
  if (const char* env = std::getenv("CNNBENCH_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return CNNBENCH_TEST_DATA_DIR;
}
/// `data_dir() / sub`, or a path that says why there is none (for the "skipped: ... not found" line).
inline std::filesystem::path data_subdir(const std::string& sub) {
  const auto d = data_dir();
  if (d.empty()) return "<CNNBENCH_DATA_DIR unset>/" + sub;
  return d / sub;
}
}  // namespace test_support
