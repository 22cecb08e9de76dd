// libFuzzer target: a benchmark program's command line (bench/options.hpp) with two protocols:
// the input is split at NUL bytes into arguments, parsed by CLI11, and the options applied to the
// protocol. Expected failures are CLI11's parse errors and cnnbench::error.
#include <cnnbench/bench/options.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Two protocols as a family declares them (bench/protocols/s1.hpp is not included: clang 14 rejects
  // models/published.hpp, see the README's Reliability section).
  static const std::vector<cnnbench::bench::protocol> protocols = [] {
    cnnbench::bench::protocol quick, published;
    quick.name = "quick";
    quick.epochs = 4;
    quick.arms = {{"Adam", cnnbench::bench::parse_optimizer("adam", 1e-3)}};
    published.name = "published";
    published.epochs = 200;
    published.arms = {{"Adam", cnnbench::bench::parse_optimizer("adam", 1e-4)},
                      {"SGD", cnnbench::bench::parse_optimizer("sgd", 0.1, 0.9)}};
    return std::vector<cnnbench::bench::protocol>{quick, published};
  }();
  std::vector<std::string> args{"fuzz_cli"};
  std::string cur;
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += static_cast<char>(data[i]);
    }
  }
  if (!cur.empty()) args.push_back(cur);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  cnnbench::bench::program_options o;
  CLI::App app{"fuzz"};
  cnnbench::bench::add_program_options(app, o, protocols, "quick, published", "eigen_cpu", "out/fuzz");
  try {
    app.parse(static_cast<int>(args.size()), argv.data());
    const auto p = cnnbench::bench::apply_program_options(protocols, o);
    if (p.arms.empty() || p.epochs == 0) __builtin_trap();
  } catch (const CLI::Error&) {
  } catch (const cnnbench::error&) {
  }
  return 0;
}
