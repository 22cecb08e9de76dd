// cnnbench/optim/sgd.hpp
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../error.hpp"

namespace cnnbench::optim {

/// Stochastic gradient descent with momentum, Nesterov momentum, L2 weight decay and Keras' time decay.
/// PyTorch's formulation (torch.optim.SGD, dampening 0), step t = 1, 2, ...:
///   d = g + weight_decay * p
///   b = momentum * b + d                      (b starts at 0, so b_1 = d)
///   d = nesterov ? d + momentum * b : b       (momentum == 0: d unchanged)
///   p = p - lr_t * d,   lr_t = lr / (1 + decay * (t - 1))   (Keras' legacy `decay`; 0 = constant lr)
/// Keras writes momentum as v = momentum * v - lr * g, p = p + v: the same updates while lr is constant;
/// with decay > 0 they differ by O(decay) per step (here the decayed lr scales the whole velocity).
/// Defaults: PyTorch's (no momentum); lr 0.01 is Keras' default (PyTorch has none).
struct sgd {
  double lr = 0.01;
  double momentum = 0.0;
  bool nesterov = false;
  double weight_decay = 0.0;
  double decay = 0.0;

  static constexpr std::string_view name = "sgd";
  static constexpr std::size_t state_buffers = 1;  ///< the momentum buffer b

  /// Throws value_error naming the first invalid hyper-parameter.
  void validate() const {
    if (!(lr >= 0)) throw value_error("sgd: lr must be >= 0, got " + std::to_string(lr));
    if (!(momentum >= 0)) throw value_error("sgd: momentum must be >= 0, got " + std::to_string(momentum));
    if (nesterov && momentum <= 0) throw value_error("sgd: nesterov needs momentum > 0");
    if (!(weight_decay >= 0)) throw value_error("sgd: weight_decay must be >= 0, got " + std::to_string(weight_decay));
    if (!(decay >= 0)) throw value_error("sgd: decay must be >= 0, got " + std::to_string(decay));
  }
  double lr_at(std::uint64_t t) const noexcept { return lr / (1.0 + decay * static_cast<double>(t - 1)); }

  /// Updates n parameters p from gradients g at step t (1-based); state[0] = momentum buffer.
  void update(float* p, const float* g, float* const* state, std::size_t n, std::uint64_t t) const noexcept {
    const float lr_t = static_cast<float>(lr_at(t)), m = static_cast<float>(momentum), wd = static_cast<float>(weight_decay);
    float* b = state[0];
    for (std::size_t i = 0; i < n; ++i) {
      float d = wd != 0.0f ? g[i] + wd * p[i] : g[i];
      if (m != 0.0f) {
        b[i] = m * b[i] + d;
        d = nesterov ? d + m * b[i] : b[i];
      }
      p[i] -= lr_t * d;
    }
  }
};

}  // namespace cnnbench::optim
