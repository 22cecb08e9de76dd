// cnnbench/optim/adam.hpp
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "../error.hpp"

namespace cnnbench::optim {

/// Adam (Kingma & Ba 2015), step t = 1, 2, ...:
///   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
///   epsilon_mode::pytorch (torch.optim.Adam):  p -= lr_t / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
///   epsilon_mode::keras   (tf.keras Adam, "epsilon hat" of the paper, §2 end):
///                                              p -= lr_t * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)
///   lr_t = lr / (1 + decay * (t - 1))  (Keras' legacy `decay`; 0 = constant)
/// Defaults are PyTorch's. Presets: adam::pytorch() (eps 1e-8) and adam::keras() (eps 1e-7, epsilon hat).
/// Weight decay is L2 added to the gradient, as torch.optim.Adam's weight_decay (not AdamW).
struct adam {
  enum class epsilon_mode { pytorch, keras };
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double decay = 0.0;
  epsilon_mode mode = epsilon_mode::pytorch;

  static constexpr std::string_view name = "adam";
  static constexpr std::size_t state_buffers = 2;  ///< m, v

  /// torch.optim.Adam defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8.
  static constexpr adam pytorch(double lr = 1e-3) { return {.lr = lr}; }
  /// tf.keras.optimizers.Adam defaults: lr 1e-3, beta_1 0.9, beta_2 0.999, epsilon 1e-7 (epsilon hat).
  static constexpr adam keras(double lr = 1e-3) { return {.lr = lr, .eps = 1e-7, .mode = epsilon_mode::keras}; }

  void validate() const {
    if (!(lr >= 0)) throw value_error("adam: lr must be >= 0, got " + std::to_string(lr));
    if (!(beta1 >= 0 && beta1 < 1)) throw value_error("adam: beta1 must be in [0, 1), got " + std::to_string(beta1));
    if (!(beta2 >= 0 && beta2 < 1)) throw value_error("adam: beta2 must be in [0, 1), got " + std::to_string(beta2));
    if (!(eps >= 0)) throw value_error("adam: eps must be >= 0, got " + std::to_string(eps));
    if (!(weight_decay >= 0)) throw value_error("adam: weight_decay must be >= 0");
    if (!(decay >= 0)) throw value_error("adam: decay must be >= 0");
  }
  double lr_at(std::uint64_t t) const noexcept { return lr / (1.0 + decay * static_cast<double>(t - 1)); }

  void update(float* p, const float* g, float* const* state, std::size_t n, std::uint64_t t) const noexcept {
    float* m = state[0];
    float* v = state[1];
    const double c1 = 1.0 - std::pow(beta1, static_cast<double>(t)), c2 = 1.0 - std::pow(beta2, static_cast<double>(t));
    const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2), e = static_cast<float>(eps);
    const float wd = static_cast<float>(weight_decay);
    if (mode == epsilon_mode::pytorch) {
      const float step = static_cast<float>(lr_at(t) / c1), rc2 = static_cast<float>(std::sqrt(c2));
      for (std::size_t i = 0; i < n; ++i) {
        const float gi = wd != 0.0f ? g[i] + wd * p[i] : g[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        p[i] -= step * m[i] / (std::sqrt(v[i]) / rc2 + e);
      }
    } else {
      const float alpha = static_cast<float>(lr_at(t) * std::sqrt(c2) / c1);
      for (std::size_t i = 0; i < n; ++i) {
        const float gi = wd != 0.0f ? g[i] + wd * p[i] : g[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        p[i] -= alpha * m[i] / (std::sqrt(v[i]) + e);
      }
    }
  }
};

}  // namespace cnnbench::optim
