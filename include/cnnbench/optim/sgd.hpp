// cnnbench/optim/sgd.hpp: the SGD optimizer type (hyper-parameters, formula, checks). Its update
// runs in each back end (backend/host/optimizers.hpp is the reference).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../detail/format.hpp"
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
  void check() const {
    if (!(lr >= 0)) throw value_error("sgd: lr must be >= 0, got " + std::to_string(lr));
    if (!(momentum >= 0)) throw value_error("sgd: momentum must be >= 0, got " + std::to_string(momentum));
    if (nesterov && momentum <= 0) throw value_error("sgd: nesterov needs momentum > 0");
    if (!(weight_decay >= 0)) throw value_error("sgd: weight_decay must be >= 0, got " + std::to_string(weight_decay));
    if (!(decay >= 0)) throw value_error("sgd: decay must be >= 0, got " + std::to_string(decay));
  }
  /// The learning rate of step t (1-based).
  double lr_at(std::uint64_t t) const noexcept { return lr / (1.0 + decay * static_cast<double>(t - 1)); }

  /// "SGD lr 0.1 momentum 0.9 weight decay 1e-06"
  std::string describe() const {
    using cnnbench::detail::number;
    std::string r = "SGD lr " + number(lr);
    if (momentum) r += " momentum " + number(momentum) + (nesterov ? " (Nesterov)" : "");
    if (weight_decay) r += " weight decay " + number(weight_decay);
    if (decay) r += " time decay " + number(decay);
    return r;
  }
  /// Command-line presets (--optimizer NAME [--lr X] [--momentum M]): "sgd", lr 0.01 and momentum 0.9
  /// unless given (lr <= 0 or momentum < 0 mean "not given").
  static constexpr std::array<std::string_view, 1> presets{"sgd"};
  static sgd preset(std::string_view, double lr, double momentum) {
    return {.lr = lr > 0 ? lr : 0.01, .momentum = momentum >= 0 ? momentum : 0.9};
  }
};

}  // namespace cnnbench::optim
