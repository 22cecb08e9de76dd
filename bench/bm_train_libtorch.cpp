// Google Benchmark: S1 (batch 64) and S3 (batch 128) train steps under exec::libtorch and exec::eigen_cpu
// in the same process, with the same counters as bm_train (images/s, GFLOP/s = 3 x forward FLOPs).
// bench/compare_libtorch.py runs it and prints the ratio eigen_cpu / libtorch per configuration.
// LibTorch runs with torch::set_num_threads(threads) and its BLAS held to one thread when the caller
// sets OPENBLAS_NUM_THREADS=1 (compare_libtorch.py does).
#include <cnnbench/exec/libtorch.hpp>

#include "bench_models.hpp"

#include <vector>

using namespace cnnbench;

namespace {
using namespace bench_models;

template <class M, class Policy>
void run(benchmark::State& st, const Policy& policy) {
  const auto n = static_cast<std::size_t>(st.range(0));
  setup<M> s(n);
  auto runner = prepare(policy, s.net);
  const optim::sgd opt{.lr = 0.01, .momentum = 0.9};
  runner.train_step(s.x, s.y, n, opt);
  for (auto _ : st) benchmark::DoNotOptimize(runner.train_step(s.x, s.y, n, opt));
  throughput_counters<M>(st, n, 3.0);
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
