// A consumer of the harness and .npy components: the reports of a (here empty) run, and a .npy file.
#include <cnnbench/bench/report.hpp>
#include <cnnbench/io/npy.hpp>

#include <filesystem>
#include <iostream>
#include <vector>

int main() {
  cnnbench::bench::run_result r;
  const auto table = cnnbench::bench::markdown_table(r);
  const auto npy = std::filesystem::current_path() / "consumer.npy";
  const std::vector<float> v{1, 2, 3, 4, 5, 6};
  cnnbench::save_npy(npy, v, {2, 3});
  const bool same = cnnbench::load_npy(npy) == v;
  std::cout << "consumer (harness, npy): " << (table.find("| Platform |") == 0 ? "table ok" : "table wrong") << ", "
            << (same ? "npy ok" : "npy wrong") << '\n';
}
