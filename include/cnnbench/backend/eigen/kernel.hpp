// cnnbench/backend/eigen/kernel.hpp: the kernel interface of exec::eigen_cpu, and its fallback.
//
// kernel<L, In> is exec::eigen_cpu's implementation of layer L on input shape In (one file per layer
// family beside this one: conv.hpp, pool.hpp, ...). Each thread of the policy's team calls a kernel
// for its own contiguous slice of the batch: the buffers point at the first sample of that slice
// (NCHW, float32; sample b of the slice is x + b * In.size()), n is the slice's length, and
// ctx.first is the slice's first sample in the whole batch.
//   forward(ctx, x, y, n, w)                      y = layer(x), training or inference mode (ctx.training)
//   backward(ctx, x, y, dy, dx, n, w, dw)         dx = dL/dx (dx == nullptr: not needed, first layer);
//                                                 dw += dL/dw for these samples (the thread's partial)
//   static workspace_floats(rows)                 scratch the kernel needs per thread, in floats
//   prepare(threads, capacity)                    optional: called before the team uses the kernel
// w / dw point at the layer's parameters in the model's contiguous buffer; a tensor's place in them
// comes from the layer's declared specs (tensor_offset, backend/specs.hpp), never from a formula repeated here.
// A layer without a kernel is a compile error naming the policy.
// Profiling (exec::eigen_cpu{.profile = true}): the runner times each layer; a backward that computes
// both gradients says which part it is in with ctx.phase(profile_phase::backward_weights) before its
// dL/dw work and ctx.phase(profile_phase::backward_data) before its dL/dx work, and leaves the phase
// at backward_data when it returns (a Residual's inner kernels share one row). Without profiling
// ctx.phase does nothing (one pointer test, no clock read). Kernels that do not call it report all
// their backward time as backward-data.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "../../exec/profile.hpp"
#include "../../layer.hpp"
#include "../../shape.hpp"
#include "../specs.hpp"
#include "thread_pool.hpp"

namespace cnnbench::backend::eigen {

/// One thread's profiling clock (owned by the runner): the phase the running layer's time goes to,
/// since when, and that layer's three buckets (seconds: forward, backward-data, backward-weights).
struct profile_lane {
  using clock = std::chrono::steady_clock;
  double* buckets = nullptr;
  profile_phase current = profile_phase::forward;
  clock::time_point since{};
  /// Adds the time since the last switch to the current phase's bucket, then makes `p` current.
  void switch_to(profile_phase p) noexcept {
    const auto now = clock::now();
    buckets[static_cast<int>(current)] += std::chrono::duration<double>(now - since).count();
    current = p;
    since = now;
  }
};

/// What a kernel call knows besides its buffers.
struct context {
  int thread = 0;             ///< this thread's index in the team
  int threads = 1;            ///< team size
  std::size_t batch = 0;      ///< samples in the whole batch (all threads)
  std::size_t first = 0;      ///< index in the whole batch of the sample the buffers point at
  bool training = false;      ///< dropout active, BatchNorm on batch statistics
  bool relu = false;          ///< forward: write max(0, .) of the output (a fuses_relu kernel; runner_base's relu_fused)
  bool relu_mask = false;     ///< backward: dL/dx where x > 0, else 0 (a masks_relu kernel; runner_base's relu_backward_fused)
  std::uint64_t seed = 0;     ///< the runner's seed (dropout masks)
  std::uint64_t step = 0;     ///< training step counter (dropout masks)
  std::size_t layer = 0;      ///< index of the layer in the flattened model
  float* workspace = nullptr; ///< this thread's scratch (workspace_floats of the largest layer)
  float* state = nullptr;     ///< the layer's state (BatchNorm running mean, then variance)
  thread_pool* team = nullptr;
  profile_lane* profile = nullptr;  ///< this thread's clock when profiling, else nullptr

  /// Profiling: the time from now on goes to phase p (see the file comment); a no-op otherwise.
  void phase(profile_phase p) const noexcept {
    if (profile) profile->switch_to(p);
  }
};

template <class T>
inline constexpr bool dependent_false = false;

/// A kernel that needs the team size and batch capacity before use has prepare(threads, capacity).
template <class K>
concept has_prepare = requires(K& k) { k.prepare(1, std::size_t{1}); };

/// No kernel: a compile error naming the policy.
template <class L, shape In>
struct kernel {
  static_assert(dependent_false<L>,
                "cnnbench: exec::eigen_cpu has no implementation of this layer (specialise "
                "cnnbench::backend::eigen::kernel<Layer, In> in backend/eigen/<layer>.hpp)");
};

/// Copies n floats.
inline void copy(const float* src, float* dst, std::size_t n) noexcept { std::memcpy(dst, src, n * sizeof(float)); }

}  // namespace cnnbench::backend::eigen
