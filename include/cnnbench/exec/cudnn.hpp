// cnnbench/exec/cudnn.hpp: exec::cudnn, the GPU execution policy (cuDNN + cuBLAS + kernels
// compiled at run time by NVRTC). Reachable only with CNNBENCH_WITH_CUDA: link cnnbench::cuda.
//
//   if (!exec::cudnn::available()) std::cerr << exec::cudnn::unavailable_reason() << '\n';
//   auto run = cnnbench::prepare(exec::cudnn{.device = 0, .seed = 1}, net);  // not timed
//   run.reserve(64);                                          // algorithm search for batch 64 (not timed)
//   float loss = run.train_step(x, y, 64, optim::adam::pytorch());
//   run.store_to(net);
//
// SETTINGS
//   device           CUDA device index.
//   deterministic    only algorithms cuDNN reports deterministic (CUDNN_DETERMINISTIC); the policy's
//                    own kernels are deterministic anyway (no atomics), cuBLAS is on one stream. Then
//                    the same seed gives bit-identical weights on the same GPU model and library
//                    versions (not across GPUs or versions, and not equal to eigen_cpu's: sums are
//                    grouped differently; gpu_tests checks 1e-4 per layer, 1e-3 over 100 steps of S1).
//   allow_tf32       false (default): FP32 throughout: cuDNN convolutions run with CUDNN_FMA_MATH,
//                    cuBLAS with CUBLAS_DEFAULT_MATH. true: TF32 tensor cores (cuDNN
//                    CUDNN_TENSOR_OP_MATH, cuBLAS CUBLAS_TF32_TENSOR_OP_MATH), about 1e-3 relative.
//   workspace_limit  bytes of cuDNN workspace one convolution may use; 0 = no limit other than half
//                    the device memory free at prepare().
//   seed             dropout masks, EXACTLY eigen_cpu's: element e of the batch at training step t in
//                    layer l is kept by the same counter-based draw keyed (seed, t, l, e), so the two
//                    policies can be compared step by step.
//
// RUNNER (backend::cuda::runner<Net, In>, on backend/runner_base.hpp): the protocol of exec/runner.hpp (load_from, store_to,
// forward, train_step, evaluate) and, as eigen_cpu, compute_gradients, gradients(), apply_gradients,
// params(), activation(k), step(); plus peak_device_bytes() (high-water mark of the runner's own
// device allocations, bytes), device_bytes(), reserve(n, training), synchronize(), algorithms()
// (the convolution algorithms chosen), kernel_target().
//   Shapes and layouts: x is n * In.size() floats NCHW in host memory, y n int32 labels; logits
//   n x output_size row-major; parameters, gradients and state in network<>'s layout (Conv OIHW,
//   Dense [out, in], bias after weight), one contiguous buffer each, on the device.
//   Transfers: each is an explicit copy inside the call that needs it; the batch goes through pinned
//   staging memory; load_from/store_to/params()/gradients()/activation() are explicit copies.
//   Synchronisation: train_step, compute_gradients, evaluate, forward, load_from, store_to, params,
//   gradients, activation and reserve return when their work is done (train_step's only host wait
//   is its loss read-back); apply_gradients is asynchronous (the next call orders after it).
//   Ownership: the runner owns its CUDA stream (non-blocking), its cuDNN and cuBLAS handles (bound
//   to that stream) and all its device and pinned buffers; nothing is shared between runners except
//   the compiled kernels (one per architecture per process, never unloaded).
//   Thread safety: one caller thread at a time per runner (cuDNN/cuBLAS handles are not thread-safe);
//   different runners may be used from different threads. Each call makes the runner's device
//   current for its duration and restores the caller's.
//   Not movable or copyable (it owns a stream and handles): prepare() returns it by guaranteed
//   copy elision (`auto run = prepare(...)`).
//
// THROWS
//   prepare(): device_error when there is no usable device (no driver, no device, bad index,
//   compute capability below 7.5), with the reason; cuda_error (a device_error) for a failing CUDA,
//   cuDNN, cuBLAS or NVRTC call (call text, status name, file:line; the compiler log for NVRTC).
//   Calls: shape_error / value_error for bad input before anything runs (as eigen_cpu); cuda_error
//   for device failures (after one, discard the runner); device_error when no cuDNN algorithm
//   satisfies the settings (backend/cuda/algorithm.hpp).
//
// BUILD: no nvcc and no .cu file. The policy's own kernels (pooling, padding, dropout, losses,
// optimizers, bias) are C++ text compiled at run time by NVRTC for the device (once per process,
// about a second, at the first prepare); see backend/cuda/kernel_source.hpp. Link cnnbench::cuda
// (cudart, cuBLAS, cuDNN 9, NVRTC); at run time libnvrtc-builtins must sit beside libnvrtc and the
// driver must support the toolkit's CUDA version.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: exec/cudnn.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cstddef>
#include <cstdint>
#include <string>

#include "../backend/cuda/runner.hpp"
#include "../network.hpp"
#include "runner.hpp"

namespace cnnbench {
namespace exec {
/// The cuDNN + cuBLAS GPU policy: a value type, named first in prepare() and fit().
struct cudnn {
  int device = 0;                   ///< CUDA device index
  bool deterministic = true;        ///< deterministic cuDNN algorithms only
  bool allow_tf32 = false;          ///< TF32 tensor cores in convolutions and GEMMs
  std::size_t workspace_limit = 0;  ///< bytes of cuDNN workspace per convolution; 0 = no limit
  std::uint64_t seed = 0;           ///< dropout masks (the same as eigen_cpu's for the same seed)

  /// Whether `device` exists and can run the policy. Never throws.
  static bool available(int device = 0) noexcept {
    try {
      return backend::cuda::device_unavailable_reason(device).empty();
    } catch (...) {
      return false;
    }
  }
  /// Why it cannot ("" when it can), e.g. "cudaGetDeviceCount returned cudaErrorInsufficientDriver (...);
  /// no CUDA driver (libcuda.so) is installed or loadable".
  static std::string unavailable_reason(int device = 0) { return backend::cuda::device_unavailable_reason(device); }
  /// The device's name ("NVIDIA H100 80GB HBM3"), "" when unavailable.
  static std::string device_name(int device = 0) { return backend::cuda::device_name(device); }
  static constexpr const char* name = "cudnn";
};
}  // namespace exec

template <>
inline constexpr bool enable_execution_policy<exec::cudnn> = true;

/// Creates a runner for `net` on the policy's device and loads its weights (not part of any
/// timing). Throws device_error when the device cannot be used (see exec::cudnn::unavailable_reason).
template <class Net, shape In>
backend::cuda::runner<Net, In> prepare(const exec::cudnn& p, const network<Net, In>& net) {
  static_assert(runner_for<backend::cuda::runner<Net, In>, Net, In>);
  return backend::cuda::runner<Net, In>(
      backend::cuda::runner_options{p.device, p.deterministic, p.allow_tf32, p.workspace_limit, p.seed}, net);
}

}  // namespace cnnbench
