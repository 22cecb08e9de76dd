// cnnbench/backend/cuda/optimizers.hpp: the optimizers of optim/ on the device.
//
// Each update is one element-wise kernel (cnb_sgd, cnb_adam, cnb_rmsprop of kernel_source.hpp); its
// scalars (decayed learning rate, Adam's bias corrections, epsilon placement) are computed on the
// host exactly as optim/*.hpp computes them, in double then rounded to float, so that the device
// performs the same float operations per element as eigen_cpu. optimizer_impl<Opt> is specialised per
// optimizer (no specialisation: a compile error naming the policy); update() enqueues its kernel,
// update_host() runs the same element code (host_mirror) for tests. State buffers: sgd uses s0
// (momentum), adam s0 = m and s1 = v, rmsprop s0 = mean square and s1 = momentum buffer.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/optimizers.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "../../optim.hpp"
#include "kernel_source.hpp"
#include "nvrtc.hpp"

namespace cnnbench::backend::cuda {

struct sgd_scalars {
  float lr, momentum, weight_decay;
  int nesterov;
};
struct adam_scalars {
  float beta1, beta2, eps, weight_decay, step, rc2, alpha;
  int keras;
};
struct rmsprop_scalars {
  float rho, eps, lr, momentum;
  int inside;
};

/// The kernel arguments of step t (1-based), as optim/ computes them.
inline sgd_scalars scalars(const optim::sgd& o, std::uint64_t t) {
  return {static_cast<float>(o.lr_at(t)), static_cast<float>(o.momentum), static_cast<float>(o.weight_decay), o.nesterov ? 1 : 0};
}
inline adam_scalars scalars(const optim::adam& o, std::uint64_t t) {
  const double c1 = 1.0 - std::pow(o.beta1, static_cast<double>(t)), c2 = 1.0 - std::pow(o.beta2, static_cast<double>(t));
  return {static_cast<float>(o.beta1),
          static_cast<float>(o.beta2),
          static_cast<float>(o.eps),
          static_cast<float>(o.weight_decay),
          static_cast<float>(o.lr_at(t) / c1),
          static_cast<float>(std::sqrt(c2)),
          static_cast<float>(o.lr_at(t) * std::sqrt(c2) / c1),
          o.mode == optim::adam::epsilon_mode::keras ? 1 : 0};
}
inline rmsprop_scalars scalars(const optim::rmsprop& o, std::uint64_t t) {
  return {static_cast<float>(o.rho), static_cast<float>(o.eps), static_cast<float>(o.lr_at(t)), static_cast<float>(o.momentum),
          o.eps_inside_sqrt ? 1 : 0};
}

template <class Opt>
inline constexpr bool dependent_false_optimizer = false;

/// optimizer_impl<Opt>: exec::cudnn's implementation of optimizer Opt, like kernel<L, In> per layer.
///   run(k, stream, opt, t, p, g, s0, s1, n)   enqueues step t (1-based) on n parameters (device)
///   run_host(opt, t, p, g, s0, s1, n)         the same element code on host memory (host_mirror)
/// An optimizer without one is a compile error naming the policy.
template <class Opt>
struct optimizer_impl {
  static_assert(dependent_false_optimizer<Opt>,
                "cnnbench: exec::cudnn has no implementation of this optimizer (specialise "
                "cnnbench::backend::cuda::optimizer_impl<Opt> in backend/cuda/optimizers.hpp, with a kernel in "
                "kernel_source.hpp)");
};

template <>
struct optimizer_impl<optim::sgd> {
  static void run(const kernel_module& k, cudaStream_t stream, const optim::sgd& o, std::uint64_t t, float* p, const float* g,
                  float* s0, float*, long long n) {
    const auto a = scalars(o, t);
    launch::cnb_sgd(k, stream, n, p, g, s0, a.lr, a.momentum, a.weight_decay, a.nesterov);
  }
  static void run_host(const optim::sgd& o, std::uint64_t t, float* p, const float* g, float* s0, float*, long long n) {
    const auto a = scalars(o, t);
    host_mirror::cnb_sgd(n, p, g, s0, a.lr, a.momentum, a.weight_decay, a.nesterov);
  }
};

template <>
struct optimizer_impl<optim::adam> {
  static void run(const kernel_module& k, cudaStream_t stream, const optim::adam& o, std::uint64_t t, float* p, const float* g,
                  float* s0, float* s1, long long n) {
    const auto a = scalars(o, t);
    launch::cnb_adam(k, stream, n, p, g, s0, s1, a.beta1, a.beta2, a.eps, a.weight_decay, a.step, a.rc2, a.alpha, a.keras);
  }
  static void run_host(const optim::adam& o, std::uint64_t t, float* p, const float* g, float* s0, float* s1, long long n) {
    const auto a = scalars(o, t);
    host_mirror::cnb_adam(n, p, g, s0, s1, a.beta1, a.beta2, a.eps, a.weight_decay, a.step, a.rc2, a.alpha, a.keras);
  }
};

template <>
struct optimizer_impl<optim::rmsprop> {
  static void run(const kernel_module& k, cudaStream_t stream, const optim::rmsprop& o, std::uint64_t t, float* p,
                  const float* g, float* s0, float* s1, long long n) {
    const auto a = scalars(o, t);
    launch::cnb_rmsprop(k, stream, n, p, g, s0, s1, a.rho, a.eps, a.lr, a.momentum, a.inside);
  }
  static void run_host(const optim::rmsprop& o, std::uint64_t t, float* p, const float* g, float* s0, float* s1, long long n) {
    const auto a = scalars(o, t);
    host_mirror::cnb_rmsprop(n, p, g, s0, s1, a.rho, a.eps, a.lr, a.momentum, a.inside);
  }
};

/// Enqueues step t of `opt` on n parameters p with gradients g and state s0, s1 (device pointers).
template <class Opt>
void update(const kernel_module& k, cudaStream_t stream, const Opt& opt, std::uint64_t t, float* p, const float* g, float* s0,
            float* s1, long long n) {
  optimizer_impl<Opt>::run(k, stream, opt, t, p, g, s0, s1, n);
}

/// The same update on host memory through the kernels' host mirror (for tests).
template <class Opt>
void update_host(const Opt& opt, std::uint64_t t, float* p, const float* g, float* s0, float* s1, long long n) {
  optimizer_impl<Opt>::run_host(opt, t, p, g, s0, s1, n);
}

}  // namespace cnnbench::backend::cuda
