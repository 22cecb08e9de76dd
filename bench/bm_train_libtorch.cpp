// Google Benchmark: S1 (batch 64) and S3 (batch 128) train steps under exec::libtorch and exec::eigen_cpu
// in the same process, with the same counters as bm_train (images/s, GFLOP/s = 3 x forward FLOPs).
// bench/compare_libtorch.py runs it and prints the ratio eigen_cpu / libtorch per configuration.
// LibTorch runs with torch::set_num_threads(threads) and its BLAS held to one thread when the caller
// sets OPENBLAS_NUM_THREADS=1 (compare_libtorch.py does).
#include <benchmark/benchmark.h>
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/exec/libtorch.hpp>

#include <vector>

using namespace cnnbench;

namespace {
struct S1 {
  using net = models::FashionMnistCnn;
  static constexpr shape in = models::fashion_mnist_input;
};
struct S3 {
  using net = models::KerasCifar10Cnn;
  static constexpr shape in = models::cifar10_input;
};

template <class M, class Policy>
void run(benchmark::State& st, const Policy& policy) {
  const auto n = static_cast<std::size_t>(st.range(0));
  network<typename M::net, M::in> net{init_scheme::he_uniform, 1};
  std::vector<float> x(n * M::in.size());
  std::vector<std::int32_t> y(n);
  rng r(1);
  for (auto& v : x) v = static_cast<float>(r.uniform01());
  for (auto& v : y) v = static_cast<std::int32_t>(r.below(10));
  auto runner = prepare(policy, net);
  const optim::sgd opt{.lr = 0.01, .momentum = 0.9};
  runner.train_step(x, y, n, opt);
  for (auto _ : st) benchmark::DoNotOptimize(runner.train_step(x, y, n, opt));
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * n));
  st.counters["GFLOP/s"] = benchmark::Counter(3.0 * flops_v<typename M::net, M::in> * n * 1e-9,
                                              benchmark::Counter::kIsIterationInvariantRate);
}
template <class M>
void libtorch_step(benchmark::State& st) {
  run<M>(st, exec::libtorch{.device = "cpu", .threads = static_cast<int>(st.range(1))});
}
template <class M>
void eigen_cpu_step(benchmark::State& st) {
  run<M>(st, exec::eigen_cpu{.threads = static_cast<int>(st.range(1))});
}
}  // namespace

BENCHMARK_TEMPLATE(eigen_cpu_step, S1)->ArgNames({"batch", "threads"})->Args({64, 1})->Args({64, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(libtorch_step, S1)->ArgNames({"batch", "threads"})->Args({64, 1})->Args({64, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(eigen_cpu_step, S3)->ArgNames({"batch", "threads"})->Args({128, 1})->Args({128, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(libtorch_step, S3)->ArgNames({"batch", "threads"})->Args({128, 1})->Args({128, 2})->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
