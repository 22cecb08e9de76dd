// cnnbench/backend/cuda/kernel.hpp: the kernel interface of exec::cudnn, its fallback and the helpers
// the kernels share (implementation detail of exec::cudnn).
//
// kernel<L, In> is exec::cudnn's implementation of layer L on input shape In (the one name across
// back ends: backend::eigen::kernel, backend::cuda::kernel), one file per layer family beside this
// one (conv.hpp, pool.hpp, ..., residual.hpp; kernels.hpp includes them all):
//   configure(ctx, n, training)  descriptors, algorithms and the kernel's own buffers for batch n
//                                (called by the runner after synchronising its stream, whenever the
//                                batch size or the mode changes; cheap when nothing changes)
//   workspace_bytes()            cuDNN workspace the current configuration needs
//   forward(ctx, x, y, n, w, training)         y = layer(x), n samples, NCHW device pointers
//   backward(ctx, x, y, dy, dx, n, w, dw)      dx = dL/dx (dx == nullptr: not needed, first layer);
//                                              dw = dL/dw (overwritten, not accumulated)
//   describe(name)               optional: the algorithms chosen ("" when none), for algorithms()
// w / dw point at the layer's parameters in the model's contiguous buffer; a tensor's place in them
// comes from the layer's declared specs (tensor_offset / state_offset, backend/specs.hpp).
// Everything is enqueued on ctx.stream; nothing here synchronises the host.
// A layer without a kernel is a compile error naming the policy.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/kernel.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../../error.hpp"
#include "../../layers.hpp"
#include "../../shape.hpp"
#include "../specs.hpp"
#include "algorithm.hpp"
#include "error.hpp"
#include "handles.hpp"
#include "memory.hpp"
#include "nvrtc.hpp"

namespace cnnbench::backend::cuda {

/// What a kernel call knows besides its buffers.
struct device_context {
  cudaStream_t stream = nullptr;
  cudnnHandle_t cudnn = nullptr;
  cublasHandle_t cublas = nullptr;
  const kernel_module* kernels = nullptr;
  memory_tracker* memory = nullptr;       ///< the runner's accounting (kernels' own buffers report to it)
  algo_requirements requirements;          ///< deterministic, workspace limit (effective), TF32
  int device = 0;                          ///< CUDA device index (algorithm cache key)
  std::size_t workspace_setting = 0;       ///< the policy's workspace_limit as given (cache key)
  void* workspace = nullptr;               ///< shared cuDNN workspace (the largest workspace_bytes())
  std::size_t workspace_bytes = 0;
  std::uint64_t seed = 0;                  ///< dropout masks
  std::uint64_t step = 0;                  ///< training steps applied so far (dropout masks)
  std::size_t layer = 0;                   ///< index in the flattened model (2048 + ... inside a Residual)
  std::string_view name;                   ///< "conv_2", for messages
  float* state = nullptr;                  ///< the layer's state (BatchNorm running mean, then variance)
  float* scratch = nullptr;                ///< a buffer the size of the largest activation, free in backward
};

template <class T>
inline constexpr bool dependent_false = false;

/// No GPU implementation: a compile error naming the policy.
template <class L, shape In>
struct kernel {
  static_assert(dependent_false<L>,
                "cnnbench: exec::cudnn has no implementation of this layer (specialise "
                "cnnbench::backend::cuda::kernel<Layer, In> in backend/cuda/<layer>.hpp)");
};

namespace detail {
inline constexpr float one = 1.0f, zero = 0.0f;

constexpr int as_int(std::size_t v) noexcept { return static_cast<int>(v); }

/// Base of kernels with nothing to configure beyond a tensor descriptor of their input (n x In).
template <shape In>
struct described {
  tensor_descriptor desc;
  void configure(device_context&, int n, bool) {
    if (!desc) desc = make_tensor_descriptor();
    set_nchw(desc, n, as_int(In.c), as_int(In.h), as_int(In.w));
  }
  static constexpr std::size_t workspace_bytes() noexcept { return 0; }
};
/// Base of kernels without descriptors or buffers.
struct stateless {
  void configure(device_context&, int, bool) {}
  static constexpr std::size_t workspace_bytes() noexcept { return 0; }
};

inline void copy_device(const device_context& ctx, const float* src, float* dst, std::size_t count) {
  if (count) CNNBENCH_CUDA_CHECK(cudaMemcpyAsync(dst, src, count * sizeof(float), cudaMemcpyDeviceToDevice, ctx.stream));
}
}  // namespace detail

}  // namespace cnnbench::backend::cuda
