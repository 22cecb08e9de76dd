// cnnbench/optim/rmsprop.hpp
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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

  void validate() const {
    if (!(lr >= 0)) throw value_error("rmsprop: lr must be >= 0, got " + std::to_string(lr));
    if (!(rho >= 0 && rho <= 1)) throw value_error("rmsprop: rho must be in [0, 1], got " + std::to_string(rho));
    if (!(eps >= 0)) throw value_error("rmsprop: eps must be >= 0");
    if (!(momentum >= 0)) throw value_error("rmsprop: momentum must be >= 0");
    if (!(decay >= 0)) throw value_error("rmsprop: decay must be >= 0");
  }
  double lr_at(std::uint64_t t) const noexcept { return lr / (1.0 + decay * static_cast<double>(t - 1)); }

  void update(float* p, const float* g, float* const* state, std::size_t n, std::uint64_t t) const noexcept {
    float* s = state[0];
    float* b = state[1];
    const float r = static_cast<float>(rho), e = static_cast<float>(eps), lr_t = static_cast<float>(lr_at(t));
    const float m = static_cast<float>(momentum);
    for (std::size_t i = 0; i < n; ++i) {
      s[i] = r * s[i] + (1.0f - r) * g[i] * g[i];
      const float u = eps_inside_sqrt ? g[i] / std::sqrt(s[i] + e) : g[i] / (std::sqrt(s[i]) + e);
      if (m != 0.0f) {
        b[i] = m * b[i] + u;
        p[i] -= lr_t * b[i];
      } else {
        p[i] -= lr_t * u;
      }
    }
  }
};

}  // namespace cnnbench::optim
