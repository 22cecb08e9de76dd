// Google Benchmark: where a train step's time goes, per layer, under exec::eigen_cpu (exec/profile.hpp).
//
//   build/release/bench/bm_layers                                    every model, 1 and 2 threads
//   build/release/bench/bm_layers --benchmark_filter='<S3>/128/2'     one configuration
//
// For S1 (batch 64), S2 (64), S3 (128) and S5 (224x224, batch 32; seconds a step, 1.5 GiB peak RSS) at 1 and 2
// threads, two benchmarks side by side: `step_plain` (train steps, profiling off: bm_train's
// train_step) and `step_profiled` (the same steps with exec::eigen_cpu{.profile = true}), so the
// profiler's overhead (a team barrier after every layer, clock reads) is their ratio, in one run.
// Counters of step_profiled: attributed (the share of the step's wall time the layers, the loss and
// the update account for), fwd_share / bwd_data_share / bwd_weights_share (of the step).
// After the run, the per-layer table of each step_profiled configuration (pooled over all its runs,
// repetitions included, so a slow model's table covers more than one step) is printed to
// **stderr** as Markdown (profile_table: per layer the forward, backward-data and backward-weights ms
// per step, GFLOP/s of each, share of the step), so that stdout stays Google Benchmark's (also with
// --benchmark_format=json). Inputs are random (uniform [0, 1)), SGD with momentum, as bm_train.
#include "bench_models.hpp"

#include <iostream>
#include <map>
#include <string>

using namespace cnnbench;

namespace {
using namespace bench_models;

/// The profile of each step_profiled configuration, pooled over all its runs (Google Benchmark's
/// calibration runs and --benchmark_repetitions included: every profiled step after the warm-up), by name.
std::map<std::string, layer_profile>& profiles() {
  static std::map<std::string, layer_profile> p;
  return p;
}

template <class M>
void run_steps(benchmark::State& st, bool profile) {
  const auto n = static_cast<std::size_t>(st.range(0));
  const int threads = static_cast<int>(st.range(1));
  setup<M> s(n);
  auto run = prepare(exec::eigen_cpu{.threads = threads, .profile = profile}, s.net);
  const optim::sgd opt{.lr = 0.01, .momentum = 0.9};
  run.train_step(s.x, s.y, n, opt);  // warm-up: buffers allocated
  run.reset_profile();
  for (auto _ : st) benchmark::DoNotOptimize(run.train_step(s.x, s.y, n, opt));
  throughput_counters<M>(st, n, 3.0);
  st.counters["peak_rss_MiB"] = peak_rss_mib();
  if (!profile) return;
  const auto p = run.layer_profile();
  double fwd = 0, bd = 0, bw = 0;
  for (const auto& r : p.rows) {
    fwd += r.forward_seconds;
    bd += r.backward_data_seconds;
    bw += r.backward_weights_seconds;
  }
  st.counters["attributed"] = p.share(p.attributed_seconds());
  st.counters["fwd_share"] = p.share(fwd);
  st.counters["bwd_data_share"] = p.share(bd);
  st.counters["bwd_weights_share"] = p.share(bw);
  profiles()[std::string("step_profiled<") + M::name + ">/batch:" + std::to_string(n) + "/threads:" + std::to_string(threads)] += p;
}

template <class M>
void step_plain(benchmark::State& st) {
  run_steps<M>(st, false);
}
template <class M>
void step_profiled(benchmark::State& st) {
  run_steps<M>(st, true);
}

#define CNNBENCH_LAYERS(M, batch)                                                                                     \
  BENCHMARK_TEMPLATE(step_plain, M)->ArgNames({"batch", "threads"})->Args({batch, 1})->UseRealTime()->Unit(benchmark::kMillisecond); \
  BENCHMARK_TEMPLATE(step_profiled, M)->ArgNames({"batch", "threads"})->Args({batch, 1})->UseRealTime()->Unit(benchmark::kMillisecond); \
  BENCHMARK_TEMPLATE(step_plain, M)->ArgNames({"batch", "threads"})->Args({batch, 2})->UseRealTime()->Unit(benchmark::kMillisecond); \
  BENCHMARK_TEMPLATE(step_profiled, M)->ArgNames({"batch", "threads"})->Args({batch, 2})->UseRealTime()->Unit(benchmark::kMillisecond)

CNNBENCH_LAYERS(S1, 64);
CNNBENCH_LAYERS(S2, 64);
CNNBENCH_LAYERS(S3, 128);
CNNBENCH_LAYERS(S5, 32);
}  // namespace

int main(int argc, char** argv) {
  if (const int status = bench_models::run_benchmarks(argc, argv)) return status;
  for (const auto& [name, p] : profiles()) std::cerr << "\n### " << name << "\n\n" << profile_table(p);
  return 0;
}
