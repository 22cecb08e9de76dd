// Google Benchmark: forward and train step of the published models under exec::eigen_cpu.
//
//   bm_train --benchmark_filter='train_step<S3>/128/2'     one configuration (its peak RSS alone)
//
// Train steps: S1 (batch 64), S3 (128), S2 (64), S5 (224x224, 32; seconds a step, 1.5 GiB peak RSS), at 1 and 2 threads.
//
// Counters: images_per_second (items processed), GFLOP/s (forward FLOPs from flops_v; a train step is
// counted as 3x the forward, the usual convention: forward + input gradient + weight gradient), and
// peak_rss_MiB (the process's peak resident set, so run one configuration per process to compare).
// Inputs are random (uniform [0, 1)), labels random; prepare() is outside the timed loop.
#include "bench_models.hpp"

#include <vector>

using namespace cnnbench;

namespace {
using namespace bench_models;

template <class M>
void train_step(benchmark::State& st) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const int threads = static_cast<int>(st.range(1));
  setup<M> s(n);
  auto run = prepare(exec::eigen_cpu{.threads = threads}, s.net);
  const optim::sgd opt{.lr = 0.01, .momentum = 0.9};
  run.train_step(s.x, s.y, n, opt);  // warm-up: buffers allocated
  for (auto _ : st) benchmark::DoNotOptimize(run.train_step(s.x, s.y, n, opt));
  throughput_counters<M>(st, n, 3.0);
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
  throughput_counters<M>(st, n, 1.0);
  st.counters["peak_rss_MiB"] = peak_rss_mib();
}
}  // namespace

BENCHMARK_TEMPLATE(train_step, S1)->ArgNames({"batch", "threads"})->Args({64, 1})->Args({64, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(train_step, S3)->ArgNames({"batch", "threads"})->Args({128, 1})->Args({128, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(train_step, S2)->ArgNames({"batch", "threads"})->Args({64, 1})->Args({64, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(train_step, S5)->ArgNames({"batch", "threads"})->Args({32, 1})->Args({32, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(forward, S1)->ArgNames({"batch", "threads"})->Args({64, 1})->Args({64, 2})->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(forward, S3)->ArgNames({"batch", "threads"})->Args({128, 1})->Args({128, 2})->UseRealTime()->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) { return bench_models::run_benchmarks(argc, argv); }
