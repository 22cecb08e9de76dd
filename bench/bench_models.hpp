// bench/bench_models.hpp: what the micro-benchmarks share: the published models they run, one
// seeded random batch per model, and the counters (images/s, GFLOP/s with a train step counted as
// 3x the forward FLOPs of flops_v, peak resident memory).
#pragma once
#include <Eigen/Core>
#include <benchmark/benchmark.h>
#include <cnnbench/cnnbench.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace bench_models {
using namespace cnnbench;

/// A benchmark program's main: Google Benchmark's, with the instruction sets Eigen's kernels were
/// compiled for in the context ("eigen_simd"; the release preset: AVX2 + FMA, release-native: this
/// CPU's widest, e.g. AVX-512), so that every table says what it measured. Returns the exit status.
inline int run_benchmarks(int argc, char** argv) {
  benchmark::AddCustomContext("eigen_simd", Eigen::SimdInstructionSetsInUse());
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

struct S1 {
  static constexpr const char* name = "S1";
  using net = models::FashionMnistCnn;
  static constexpr shape in = models::fashion_mnist_input;
};
struct S2 {
  static constexpr const char* name = "S2";
  using net = models::Cifar10VggRosetta;
  static constexpr shape in = models::cifar10_input;
};
struct S3 {
  static constexpr const char* name = "S3";
  using net = models::KerasCifar10Cnn;
  static constexpr shape in = models::cifar10_input;
};
struct S5 {  // cats vs dogs, 3x224x224, 2 logits
  static constexpr const char* name = "S5";
  using net = models::CatsVsDogsCnn;
  static constexpr shape in = models::cats_vs_dogs_input;
};

/// The model's network (He-uniform, seed 1) and a random batch of n samples: pixels U[0, 1), labels < 10 (< the model's outputs).
template <class M>
struct setup {
  network<typename M::net, M::in> net{init_scheme::he_uniform, 1};
  std::vector<float> x;
  std::vector<std::int32_t> y;
  explicit setup(std::size_t n) : x(n * M::in.size()), y(n) {
    rng r(1);
    for (auto& v : x) v = static_cast<float>(r.uniform01());
    for (auto& v : y) v = static_cast<std::int32_t>(r.below(std::min<std::uint64_t>(10, output_shape_v<typename M::net, M::in>.size())));
  }
};

/// Peak resident set of the process, MiB.
inline double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

/// images/s and GFLOP/s of `passes` x the forward FLOPs per image (3 for a train step, 1 for inference).
template <class M>
void throughput_counters(benchmark::State& st, std::size_t n, double passes) {
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * n));
  st.counters["GFLOP/s"] = benchmark::Counter(passes * flops_v<typename M::net, M::in> * static_cast<double>(n) * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}
}  // namespace bench_models
