// cnnbench/optim/rmsprop.hpp: the RMSprop optimizer type (hyper-parameters, formula, checks). Its update
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

/// RMSprop (Hinton, Coursera lecture 6e), step t = 1, 2, ...:
///   s = rho s + (1 - rho) g^2
///   epsilon outside:  u = g / (sqrt(s) + eps)      (torch.optim.RMSprop; Keras 2.0-2.2)
///   epsilon inside:   u = g / sqrt(s + eps)        (tf.keras, through TensorFlow's ApplyRMSProp)
///   momentum == 0:    p -= lr_t u;    else  b = momentum b + u,  p -= lr_t b
///   lr_t = lr / (1 + decay * (t - 1))  (Keras' legacy `decay`)
/// Presets, since the defaults differ (rho is PyTorch's `alpha`):
///   rmsprop::pytorch()  lr 1e-2, rho 0.99, eps 1e-8, outside    (torch.optim.RMSprop)
///   rmsprop::keras()    lr 1e-3, rho 0.9,  eps 1e-7, inside     (tf.keras.optimizers.RMSprop, TF 2)
///   rmsprop::keras2()   lr 1e-3, rho 0.9,  eps 1e-8, outside    (Keras 2.0, the S3 write-up's Keras)
/// The struct's own defaults are Keras 2.0's. `centered` is not offered yet.
struct rmsprop {
  double lr = 1e-3;
  double rho = 0.9;
  double eps = 1e-8;
  double momentum = 0.0;
  bool eps_inside_sqrt = false;
  double decay = 0.0;

  static constexpr std::string_view name = "rmsprop";
  static constexpr std::size_t state_buffers = 2;  ///< s, momentum buffer b

  static constexpr rmsprop pytorch(double lr = 1e-2) { return {.lr = lr, .rho = 0.99, .eps = 1e-8}; }
  static constexpr rmsprop keras(double lr = 1e-3) { return {.lr = lr, .rho = 0.9, .eps = 1e-7, .eps_inside_sqrt = true}; }
  static constexpr rmsprop keras2(double lr = 1e-3) { return {.lr = lr, .rho = 0.9, .eps = 1e-8}; }

  /// Throws value_error naming the first invalid hyper-parameter.
  void check() const {
    if (!(lr >= 0)) throw value_error("rmsprop: lr must be >= 0, got " + std::to_string(lr));
    if (!(rho >= 0 && rho <= 1)) throw value_error("rmsprop: rho must be in [0, 1], got " + std::to_string(rho));
    if (!(eps >= 0)) throw value_error("rmsprop: eps must be >= 0");
    if (!(momentum >= 0)) throw value_error("rmsprop: momentum must be >= 0");
    if (!(decay >= 0)) throw value_error("rmsprop: decay must be >= 0");
  }
  /// The learning rate of step t (1-based).
  double lr_at(std::uint64_t t) const noexcept { return lr / (1.0 + decay * static_cast<double>(t - 1)); }

  /// "RMSprop lr 0.001 rho 0.9 eps 1e-08", "(inside sqrt)" for TensorFlow's epsilon placement.
  std::string describe() const {
    using cnnbench::detail::number;
    return "RMSprop lr " + number(lr) + " rho " + number(rho) + " eps " + number(eps) + (eps_inside_sqrt ? " (inside sqrt)" : "") +
           (momentum ? " momentum " + number(momentum) : "") + (decay ? " time decay " + number(decay) : "");
  }
  /// Command-line presets: "rmsprop" (rmsprop::pytorch, lr 1e-3 unless given: the write-ups' rate),
  /// "rmsprop-keras" (rmsprop::keras) and "rmsprop-keras2" (rmsprop::keras2); momentum 0 unless given.
  static constexpr std::array<std::string_view, 3> presets{"rmsprop", "rmsprop-keras", "rmsprop-keras2"};
  static rmsprop preset(std::string_view name, double lr, double momentum) {
    const double l = lr > 0 ? lr : 1e-3;
    rmsprop r = name == "rmsprop-keras" ? keras(l) : name == "rmsprop-keras2" ? keras2(l) : pytorch(l);
    if (momentum >= 0) r.momentum = momentum;
    return r;
  }
};

}  // namespace cnnbench::optim
