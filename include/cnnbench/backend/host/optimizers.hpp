// cnnbench/backend/host/optimizers.hpp: the optimizers' updates on host memory, float32.
//
// host::optimizer_kernel<Opt>::update(opt, p, g, state, n, t) applies step t (1-based) of `opt` to n
// parameters p with gradients g; state[i] points at the optimizer's i-th state buffer (Opt::state_buffers
// of them, each as long as the parameters, zero before the first step). The formulas are documented
// with the optimizer types in optim/; this is their reference implementation, run by exec::eigen_cpu
// and used by the tests as the host mirror of the device kernels. Scalars (decayed learning rate,
// bias corrections) are computed in double and rounded to float once per step, as the device
// kernels do. An optimizer without a specialisation is a compile error naming it.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "../../optim.hpp"

namespace cnnbench::backend::host {

template <class T>
inline constexpr bool dependent_false_opt = false;

template <class Opt>
struct optimizer_kernel {
  static_assert(dependent_false_opt<Opt>,
                "cnnbench: no host implementation of this optimizer (specialise "
                "cnnbench::backend::host::optimizer_kernel<Opt> in backend/host/optimizers.hpp)");
};

template <>
struct optimizer_kernel<optim::sgd> {
  static void update(const optim::sgd& o, float* p, const float* g, float* const* state, std::size_t n, std::uint64_t t) noexcept {
    const float lr_t = static_cast<float>(o.lr_at(t)), m = static_cast<float>(o.momentum), wd = static_cast<float>(o.weight_decay);
    float* b = state[0];
    for (std::size_t i = 0; i < n; ++i) {
      float d = wd != 0.0f ? g[i] + wd * p[i] : g[i];
      if (m != 0.0f) {
        b[i] = m * b[i] + d;
        d = o.nesterov ? d + m * b[i] : b[i];
      }
      p[i] -= lr_t * d;
    }
  }
};

template <>
struct optimizer_kernel<optim::adam> {
  static void update(const optim::adam& o, float* p, const float* g, float* const* state, std::size_t n, std::uint64_t t) noexcept {
    float* m = state[0];
    float* v = state[1];
    const double c1 = 1.0 - std::pow(o.beta1, static_cast<double>(t)), c2 = 1.0 - std::pow(o.beta2, static_cast<double>(t));
    const float b1 = static_cast<float>(o.beta1), b2 = static_cast<float>(o.beta2), e = static_cast<float>(o.eps);
    const float wd = static_cast<float>(o.weight_decay);
    if (o.mode == optim::adam::epsilon_mode::pytorch) {
      const float step = static_cast<float>(o.lr_at(t) / c1), rc2 = static_cast<float>(std::sqrt(c2));
      for (std::size_t i = 0; i < n; ++i) {
        const float gi = wd != 0.0f ? g[i] + wd * p[i] : g[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        p[i] -= step * m[i] / (std::sqrt(v[i]) / rc2 + e);
      }
    } else {
      const float alpha = static_cast<float>(o.lr_at(t) * std::sqrt(c2) / c1);
      for (std::size_t i = 0; i < n; ++i) {
        const float gi = wd != 0.0f ? g[i] + wd * p[i] : g[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        p[i] -= alpha * m[i] / (std::sqrt(v[i]) + e);
      }
    }
  }
};

template <>
struct optimizer_kernel<optim::rmsprop> {
  static void update(const optim::rmsprop& o, float* p, const float* g, float* const* state, std::size_t n,
                     std::uint64_t t) noexcept {
    float* s = state[0];
    float* b = state[1];
    const float r = static_cast<float>(o.rho), e = static_cast<float>(o.eps), lr_t = static_cast<float>(o.lr_at(t));
    const float m = static_cast<float>(o.momentum);
    for (std::size_t i = 0; i < n; ++i) {
      s[i] = r * s[i] + (1.0f - r) * g[i] * g[i];
      const float u = o.eps_inside_sqrt ? g[i] / std::sqrt(s[i] + e) : g[i] / (std::sqrt(s[i]) + e);
      if (m != 0.0f) {
        b[i] = m * b[i] + u;
        p[i] -= lr_t * b[i];
      } else {
        p[i] -= lr_t * u;
      }
    }
  }
};

/// Step t of `opt` on host memory (the reference update; see above).
template <class Opt>
void update(const Opt& opt, float* p, const float* g, float* const* state, std::size_t n, std::uint64_t t) noexcept {
  optimizer_kernel<Opt>::update(opt, p, g, state, n, t);
}

}  // namespace cnnbench::backend::host
