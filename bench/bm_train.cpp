// Google Benchmark: forward and train step of the published models under exec::eigen_cpu.
//
//   bm_train --benchmark_filter='train_step<S3>/128/2'     one configuration (its peak RSS alone)
//
// Counters: images_per_second (items processed), GFLOP/s (forward FLOPs from flops_v; a train step is
// counted as 3x the forward, the usual convention: forward + input gradient + weight gradient), and
// peak_rss_MiB (the process's peak resident set, so run one configuration per process to compare).
// Inputs are random (uniform [0, 1)), labels random; prepare() is outside the timed loop.
#include <benchmark/benchmark.h>
#include <cnnbench/cnnbench.hpp>
#include <sys/resource.h>

#include <vector>

using namespace cnnbench;

namespace {
struct S1 {
  using net = models::FashionMnistCnn;
  static constexpr shape in = models::fashion_mnist_input;
};
struct S2 {
  using net = models::Cifar10VggRosetta;
  static constexpr shape in = models::cifar10_input;
};
struct S3 {
  using net = models::KerasCifar10Cnn;
  static constexpr shape in = models::cifar10_input;
};

double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

template <class M>
struct setup {
  network<typename M::net, M::in> net{init_scheme::he_uniform, 1};
  std::vector<float> x;
  std::vector<std::int32_t> y;
  explicit setup(std::size_t n) : x(n * M::in.size()), y(n) {
    rng r(1);
    for (auto& v : x) v = static_cast<float>(r.uniform01());
    for (auto& v : y) v = static_cast<std::int32_t>(r.below(10));
  }
};

template <class M>
void train_step(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const int threads = static_cast<int>(st.range(1));
  setup<M> s(n);
  auto run = prepare(exec::eigen_cpu{.threads = threads}, s.net);
  const optim::sgd opt{.lr = 0.01, .momentum = 0.9};
  run.train_step(s.x, s.y, n, opt);  // warm-up: buffers allocated
  for (auto _ : st) benchmark::DoNotOptimize(run.train_step(s.x, s.y, n, opt));
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * n));
  st.counters["GFLOP/s"] = benchmark::Counter(3.0 * flops_v<typename M::net, M::in> * n * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  st.counters["peak_rss_MiB"] = peak_rss_mib();
  st.counters["runner_MiB"] = static_cast<double>(run.memory_bytes()) / (1024.0 * 1024.0);
}

template <class M>
void forward(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const int threads = static_cast<int>(st.range(1));
  setup<M> s(n);
  auto run = prepare(exec::eigen_cpu{.threads = threads}, s.net);
  run.forward(s.x, n);
  for (auto _ : st) benchmark::DoNotOptimize(run.forward(s.x, n).data());
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * n));
  st.counters["GFLOP/s"] = benchmark::Counter(1.0 * flops_v<typename M::net, M::in> * n * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
  st.counters["peak_rss_MiB"] = peak_rss_mib();
}
}  // namespace

BENCHMARK_TEMPLATE(train_step, S1)->ArgNames({"batch", "threads"})->Args({64, 1})->Args({64, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(train_step, S3)->ArgNames({"batch", "threads"})->Args({128, 1})->Args({128, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(train_step, S2)->ArgNames({"batch", "threads"})->Args({64, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(forward, S1)->ArgNames({"batch", "threads"})->Args({64, 1})->Args({64, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(forward, S3)->ArgNames({"batch", "threads"})->Args({128, 1})->Args({128, 2})->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
