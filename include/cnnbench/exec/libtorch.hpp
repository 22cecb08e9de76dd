// cnnbench/exec/libtorch.hpp: exec::libtorch, the adapter policy for an external framework runtime:
// the same compile-time model, trained by LibTorch (PyTorch's C++ runtime) with torch.optim.
//
//   auto run = cnnbench::prepare(cnnbench::exec::libtorch{.device = "cpu", .threads = 2}, net);
//   float loss = run.train_step(x, y, n, optim::sgd{.lr = 0.01, .momentum = 0.9});
//
// What it does: builds the equivalent torch::nn::Sequential from the type list (backend/torch/modules.hpp:
// channel counts from the static shapes, every layer mapped or a compile error), copies the network's
// weights in (the layouts agree: no reordering), trains with torch's own kernels and optimizers on
// the batches cnnbench's batch_order hands it, and copies the weights back out. That is how cnnbench
// compares against a real framework with the same weights and the same batch order.
//
// Optimizers, mapped onto torch::optim with the same hyper-parameters:
//   optim::sgd      -> torch::optim::SGD (momentum, nesterov, weight_decay; dampening 0). Keras' time
//                      decay, which torch lacks, by setting the group's lr to lr / (1 + decay (t - 1))
//                      before each step: the same update as cnnbench's sgd.
//   optim::adam     -> torch::optim::Adam (betas, eps, weight_decay). Keras' "epsilon hat" mode, which
//                      torch lacks, exactly: torch's eps set to eps / sqrt(1 - beta2^t) before step t
//                      (then torch's update equals Keras'); time decay as for SGD.
//   optim::rmsprop  -> torch::optim::RMSprop (alpha = rho, eps, momentum). Epsilon outside the square
//                      root only: eps inside (tf.keras, rmsprop::keras()) has no torch equivalent and is
//                      refused with value_error; time decay as for SGD.
// Hyper-parameters other than lr (and Adam's eps) are read when the optimizer is first used; a
// train_step with another optimizer type starts a fresh torch optimizer.
// Dropout uses torch's own random masks (not eigen_cpu's): compare policies step by step with
// dropout rate 0, or compare statistics.
//
// Policy fields: device "cpu" or "cuda:N" (Debian's libtorch 1.13 is CPU-only: "cuda:0" throws
// device_error); threads: torch::set_num_threads(threads) when > 0, which is PROCESS-WIDE in torch;
// float64: run the whole model in double precision (a reference for drift measurements);
// blas_threads: OpenBLAS's thread count (process-wide too), 1 by default.
// Without CNNBENCH_WITH_LIBTORCH (link cnnbench::libtorch) this header is an error. Only targets that
// link cnnbench::libtorch see torch's headers and its ABI flag. All calls are synchronous; a runner is
// used by one thread at a time.
#pragma once
#ifndef CNNBENCH_WITH_LIBTORCH
#error "cnnbench: exec/libtorch.hpp needs CNNBENCH_WITH_LIBTORCH (link cnnbench::libtorch)"
#endif

#include <torch/torch.h>
#include <torch/version.h>

#include <string>

#include "../backend/torch/runner.hpp"
#include "runner.hpp"

namespace cnnbench {
namespace exec {
/// The LibTorch adapter policy.
struct libtorch {
  std::string device = "cpu";  ///< "cpu" or "cuda:N"
  int threads = 0;             ///< torch::set_num_threads when > 0 (process-wide)
  /// Threads of the BLAS torch calls (OpenBLAS, through openblas_set_num_threads when it is loaded):
  /// 1 by default, since torch's intra-op threads already use the cores (OpenBLAS's default, one BLAS
  /// thread per core under each torch thread, oversubscribes them); 0 leaves it as it is.
  int blas_threads = 1;
  /// Train in double precision (weights, activations, optimizer state): a reference run against
  /// which float32 drift is measured. Inputs, outputs and weights cross the boundary as float32.
  bool float64 = false;
  static constexpr const char* name = "libtorch";
  /// "PyTorch 1.13.0 via LibTorch, CPU"
  std::string label() const {
    return std::string("PyTorch ") + TORCH_VERSION + " via LibTorch, " + (device == "cpu" ? std::string("CPU") : device) +
           (float64 ? ", float64" : "");
  }
};
}  // namespace exec

template <>
inline constexpr bool enable_execution_policy<exec::libtorch> = true;

/// Builds the torch module for `net`, loads its weights (not part of any timing).
/// Throws device_error when the device is not available to this LibTorch.
template <class Net, shape In>
backend::torch_adapter::runner<Net, In> prepare(const exec::libtorch& p, const network<Net, In>& net) {
  static_assert(runner_for<backend::torch_adapter::runner<Net, In>, Net, In>);
  backend::torch_adapter::set_blas_threads(p.blas_threads);
  return backend::torch_adapter::runner<Net, In>(p.device, p.threads, p.float64, net);
}

}  // namespace cnnbench
