// cnnbench/exec/eigen_cpu.hpp: exec::eigen_cpu, the CPU execution policy (Eigen GEMM + loops).
//
//   auto run = cnnbench::prepare(cnnbench::exec::eigen_cpu{.threads = 2, .seed = 1}, net);
//
// threads  size of the thread team; 0 = std::thread::hardware_concurrency(). The batch is split
//          across the team (see backend/eigen/runner.hpp); results are bit-identical for the same
//          seed and thread count (not across thread counts: sums are grouped differently).
// seed     dropout masks: element i of the batch at step t in layer l is kept by a counter-based
//          draw keyed (seed, t, l, i), so masks do not depend on the thread count either.
// profile  time every layer of the training steps: forward, backward-data, backward-weights
//          (runner.layer_profile(), exec/profile.hpp). Adds a team barrier after every layer, so it
//          changes the timing a little; the results stay bit-identical. Off by default, and then free
//          (no clock reads, no barriers).
//
// Runner (backend::eigen::runner<Net, In>), beyond the runner protocol of exec/runner.hpp:
//   compute_gradients<Loss>(x, y, n), gradients(), gradient_buffer(), apply_gradients(opt), activation(k), params(),
//   memory_bytes(), threads(), step(); profiling(), profile(on), layer_profile(), reset_profile().
// Thread safety: a runner is used by one caller thread at a time (its team is internal). All calls
// are synchronous. Conv is Winograd F(2x2, 3x3) or im2col + GEMM, its weight gradient shifted windows
// or im2col + GEMM (backend/eigen/conv.hpp says which layer gets which); Dense is GEMM; the rest are
// loops. A ReLU after a Conv or Dense runs in place, as PyTorch's ReLU(inplace=True): one buffer for
// both outputs, so activation(k) of that Conv or Dense holds the ReLU's output
// (runner.activation_overwritten(k) says where), its training forward is fused into theirs (max(0, .)
// as they write their output; runner.relu_fused[I]), and its backward into the next layer's when that
// is a Conv, Dense or MaxPool (dL/dx only where the input is > 0; runner.relu_backward_fused[I]): a
// profile then shows that ReLU's time in its neighbours' rows. Results are the same bits as with
// separate layers.
#pragma once
#include <cstdint>
#include <thread>

#include "../backend/eigen/runner.hpp"
#include "runner.hpp"

namespace cnnbench {
namespace exec {
/// The Eigen CPU policy: a value type, named first in prepare() and fit().
struct eigen_cpu {
  int threads = 0;         ///< 0 = std::thread::hardware_concurrency()
  std::uint64_t seed = 0;  ///< dropout masks
  bool profile = false;    ///< per-layer timing of training steps (see above)
  /// Team size this policy will use.
  int resolved_threads() const noexcept {
    if (threads > 0) return threads;
    const unsigned hw = std::thread::hardware_concurrency();
    return hw == 0 ? 1 : static_cast<int>(hw);
  }
  static constexpr const char* name = "eigen_cpu";
};
}  // namespace exec

template <>
inline constexpr bool enable_execution_policy<exec::eigen_cpu> = true;

/// Allocates a runner for `net` on the CPU and loads its weights (not part of any timing).
template <class Net, shape In>
backend::eigen::runner<Net, In> prepare(const exec::eigen_cpu& p, const network<Net, In>& net) {
  static_assert(runner_for<backend::eigen::runner<Net, In>, Net, In>);
  return backend::eigen::runner<Net, In>(p.resolved_threads(), p.seed, net, p.profile);
}

}  // namespace cnnbench
