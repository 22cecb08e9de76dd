// cnnbench/exec/profile.hpp: a per-layer profile of training steps (where a step's time goes), and
// its table. Policy-neutral; exec::eigen_cpu fills one (`exec::eigen_cpu{.profile = true}`, then
// the runner's layer_profile(): see exec/eigen_cpu.hpp).
//
//   auto run = prepare(exec::eigen_cpu{.threads = 2, .profile = true}, net);
//   for (...) run.train_step(x, y, n, opt);
//   std::cout << profile_table(run.layer_profile());
//
// Rows are the leaf layers of the flattened model, with summary.hpp's names ("conv_1", "dense_2")
// and types, in order (a Residual block is one row, as in the summary). Per row: the seconds of
// forward, backward-data (dL/dx) and backward-weights (dL/dw) summed over the profiled steps, and the
// layer's forward FLOPs per sample (summary.hpp: one multiply-add = 2 FLOPs). Backward-data and
// backward-weights are each counted as one forward's FLOPs (the usual convention: a train step is
// 3x the forward), so their GFLOP/s are comparable to the forward's; a layer whose back end does not
// split its backward reports all of it as backward-data.
// Besides the layers: the loss (forward and gradient, and zeroing the gradient buffers), the update
// (summing the threads' partial gradients, the optimizer) and the whole step as timed around it, so
// that shares of the step can be checked to add up.
// Units: seconds, FLOPs per sample, samples; per-step figures are means over the profiled steps.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../summary.hpp"

namespace cnnbench {

/// Which part of a layer's work the time goes to (kernels switch between the backward ones).
enum class profile_phase : std::uint8_t { forward = 0, backward_data = 1, backward_weights = 2 };

/// One leaf layer's accumulated times.
struct layer_profile_row {
  std::string name;                    ///< summary.hpp's indexed name, "conv_1"
  std::string type;                    ///< "Conv"
  std::size_t flops = 0;               ///< forward FLOPs per sample (summary.hpp)
  double forward_seconds = 0;          ///< summed over the profiled steps
  double backward_data_seconds = 0;    ///< dL/dx (all of the backward when the kernel does not split it)
  double backward_weights_seconds = 0; ///< dL/dw (and dL/dbias)
  double seconds() const noexcept { return forward_seconds + backward_data_seconds + backward_weights_seconds; }
};

/// A profile of `steps` training steps over `samples` samples in all (see the file comment).
struct layer_profile {
  std::vector<layer_profile_row> rows;
  double loss_seconds = 0;    ///< loss forward + gradient, zeroing the gradient buffers
  double update_seconds = 0;  ///< summing the threads' partial gradients, the optimizer update
  double step_seconds = 0;    ///< the whole steps, timed around them by the caller's thread
  std::uint64_t steps = 0;
  std::uint64_t samples = 0;  ///< sum of the steps' batch sizes
  int threads = 1;

  /// Seconds of the layers, the loss and the update (what the profile attributes).
  double attributed_seconds() const noexcept {
    double s = loss_seconds + update_seconds;
    for (const auto& r : rows) s += r.seconds();
    return s;
  }
  /// Milliseconds per step of `seconds` accumulated over the profiled steps.
  double ms_per_step(double seconds) const noexcept { return steps ? 1e3 * seconds / static_cast<double>(steps) : 0.0; }
  /// GFLOP/s of one pass (forward, backward-data or backward-weights) of a layer taking `seconds` in all.
  double gflops(std::size_t flops_per_sample, double seconds) const noexcept {
    return seconds > 0 ? static_cast<double>(flops_per_sample) * static_cast<double>(samples) / seconds * 1e-9 : 0.0;
  }
  /// Fraction of the whole steps' time.
  double share(double seconds) const noexcept { return step_seconds > 0 ? seconds / step_seconds : 0.0; }

  /// Pools another profile of the same model (e.g. another trial): times, steps and samples add up.
  /// Throws value_error when the rows differ.
  layer_profile& operator+=(const layer_profile& o) {
    if (rows.empty() && steps == 0) {
      *this = o;
      return *this;
    }
    if (o.rows.size() != rows.size()) throw value_error("layer_profile: profiles of different models cannot be pooled");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i].name != o.rows[i].name) throw value_error("layer_profile: row " + rows[i].name + " vs " + o.rows[i].name);
      rows[i].forward_seconds += o.rows[i].forward_seconds;
      rows[i].backward_data_seconds += o.rows[i].backward_data_seconds;
      rows[i].backward_weights_seconds += o.rows[i].backward_weights_seconds;
    }
    loss_seconds += o.loss_seconds;
    update_seconds += o.update_seconds;
    step_seconds += o.step_seconds;
    steps += o.steps;
    samples += o.samples;
    return *this;
  }
};

/// An empty profile with the rows of model Net on input In (summary.hpp's names, types and FLOPs).
template <class Net, shape In>
layer_profile make_layer_profile(int threads) {
  static constexpr auto s = summary<Net, In>();
  layer_profile p;
  p.threads = threads;
  for (const auto& r : s.rows) p.rows.push_back({std::string(r.name()), std::string(r.type), r.flops, 0, 0, 0});
  return p;
}

/// The profile as a Markdown table: per layer, ms per step of forward / backward-data / backward-weights,
/// GFLOP/s of each ("-" for a pass without FLOPs or time, and for the first layer's backward-data,
/// since no runner computes the gradient with respect to the model's input), and the layer's share of the step; then
/// rows for the loss, the update, what is not attributed (dispatch, waits outside the layers), and the
/// step. A profile without steps gives a line saying so.
inline std::string profile_table(const layer_profile& p) {
  if (p.steps == 0) return "(no profiled training step)\n";
  std::ostringstream o;
  auto fix = [](double v, int d) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(d) << v;
    return s.str();
  };
  auto rate = [&](std::size_t flops, double sec) { return flops && sec > 0 ? fix(p.gflops(flops, sec), 1) : std::string("-"); };
  auto pct = [&](double sec) { return fix(100.0 * p.share(sec), 1) + "%"; };
  o << "| layer | type | fwd ms | bwd-data ms | bwd-weights ms | total ms | fwd GFLOP/s | bwd-data GFLOP/s | bwd-weights GFLOP/s "
       "| share of step |\n";
  o << "|---|---|---|---|---|---|---|---|---|---|\n";
  auto ms = [&](double sec) { return fix(p.ms_per_step(sec), 3); };
  double fwd = 0, bd = 0, bw = 0;
  for (std::size_t i = 0; i < p.rows.size(); ++i) {
    const auto& r = p.rows[i];
    // The first layer's input gradient (the model's dL/dinput) is never computed: no backward-data FLOPs.
    o << "| " << r.name << " | " << r.type << " | " << ms(r.forward_seconds) << " | " << ms(r.backward_data_seconds) << " | "
      << ms(r.backward_weights_seconds) << " | " << ms(r.seconds()) << " | " << rate(r.flops, r.forward_seconds) << " | "
      << rate(i == 0 ? 0 : r.flops, r.backward_data_seconds) << " | " << rate(r.flops, r.backward_weights_seconds) << " | " << pct(r.seconds())
      << " |\n";
    fwd += r.forward_seconds;
    bd += r.backward_data_seconds;
    bw += r.backward_weights_seconds;
  }
  o << "| all layers | | " << ms(fwd) << " | " << ms(bd) << " | " << ms(bw) << " | " << ms(fwd + bd + bw) << " | | | | "
    << pct(fwd + bd + bw) << " |\n";
  auto other = [&](const char* what, double sec) {
    o << "| " << what << " | | | | | " << ms(sec) << " | | | | " << pct(sec) << " |\n";
  };
  other("loss", p.loss_seconds);
  other("update", p.update_seconds);
  other("not attributed", p.step_seconds - p.attributed_seconds());
  o << "| step | | | | | " << ms(p.step_seconds) << " | | | | 100.0% |\n";
  o << "\n" << p.steps << " steps, " << p.samples / std::max<std::uint64_t>(p.steps, 1) << " samples per step (mean), "
    << p.threads << (p.threads == 1 ? " thread" : " threads") << ".\n";
  return o.str();
}

}  // namespace cnnbench
