// Google Benchmark: train steps of S1 and S2 (batch 64) under exec::cudnn, the counters of bm_train.
//
//   bm_train_cudnn --benchmark_filter='train_step<S2>'
//
// Each iteration is one runner.train_step(): the batch copied from pinned host memory to the device,
// forward, loss, backward and the SGD-momentum update on the device, and the loss read back (the
// step's one host synchronisation), so wall-clock time is the step's time. prepare(), reserve(64)
// (buffers and the cuDNN algorithm search) and one warm-up step are outside the timed loop.
// Counters: items_per_second (images), GFLOP/s (3 x the forward FLOPs of flops_v per image, as
// bm_train), peak_device_MiB (the runner's own device allocations) and the device's name in the label.
// train_step runs the policy's defaults (deterministic algorithms, FP32: no TF32); train_step_fast
// lets cuDNN pick any algorithm and use TF32 tensor cores (select either with --benchmark_filter).
// Without a device every benchmark reports SkipWithError("no CUDA device: <reason>").
#include <cnnbench/exec/cudnn.hpp>

#include "bench_models.hpp"

#include <string>
#include <vector>

using namespace cnnbench;

namespace {
using namespace bench_models;

template <class M>
void run_steps(benchmark::State& st, const exec::cudnn& policy) {
  const auto n = static_cast<std::size_t>(st.range(0));
  if (!exec::cudnn::available(policy.device)) {
    st.SkipWithError(("no CUDA device: " + exec::cudnn::unavailable_reason(policy.device)).c_str());
    return;
  }
  setup<M> s(n);
  auto run = prepare(policy, s.net);
  run.reserve(n);
  const optim::sgd opt{.lr = 0.01, .momentum = 0.9};
  run.train_step(s.x, s.y, n, opt);  // warm-up: first launches, lazy module loading
  for (auto _ : st) benchmark::DoNotOptimize(run.train_step(s.x, s.y, n, opt));
  throughput_counters<M>(st, n, 3.0);
  st.counters["peak_device_MiB"] = static_cast<double>(run.peak_device_bytes()) / (1024.0 * 1024.0);
  st.SetLabel(exec::cudnn::device_name(policy.device) + ", kernels " + run.kernel_target());
}

template <class M>
void train_step(benchmark::State& st) {
  run_steps<M>(st, exec::cudnn{});
}
/// The fastest settings: any algorithm, TF32 tensor cores.
template <class M>
void train_step_fast(benchmark::State& st) {
  run_steps<M>(st, exec::cudnn{.deterministic = false, .allow_tf32 = true});
}
}  // namespace

BENCHMARK_TEMPLATE(train_step, S1)->ArgName("batch")->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(train_step, S2)->ArgName("batch")->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(train_step_fast, S1)->ArgName("batch")->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(train_step_fast, S2)->ArgName("batch")->Arg(64)->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
