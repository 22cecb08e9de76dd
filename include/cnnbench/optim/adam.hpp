// cnnbench/optim/adam.hpp: the Adam optimizer type (hyper-parameters, formula, checks). Its update
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

  /// Throws value_error naming the first invalid hyper-parameter.
  void check() const {
    if (!(lr >= 0)) throw value_error("adam: lr must be >= 0, got " + std::to_string(lr));
    if (!(beta1 >= 0 && beta1 < 1)) throw value_error("adam: beta1 must be in [0, 1), got " + std::to_string(beta1));
    if (!(beta2 >= 0 && beta2 < 1)) throw value_error("adam: beta2 must be in [0, 1), got " + std::to_string(beta2));
    if (!(eps >= 0)) throw value_error("adam: eps must be >= 0, got " + std::to_string(eps));
    if (!(weight_decay >= 0)) throw value_error("adam: weight_decay must be >= 0");
    if (!(decay >= 0)) throw value_error("adam: decay must be >= 0");
  }
  /// The learning rate of step t (1-based).
  double lr_at(std::uint64_t t) const noexcept { return lr / (1.0 + decay * static_cast<double>(t - 1)); }

  /// "Adam lr 0.001 betas 0.9/0.999 eps 1e-08", "(Keras epsilon hat)" in Keras mode.
  std::string describe() const {
    using cnnbench::detail::number;
    return "Adam lr " + number(lr) + " betas " + number(beta1) + "/" + number(beta2) + " eps " + number(eps) +
           (mode == epsilon_mode::keras ? " (Keras epsilon hat)" : "") +
           (weight_decay ? " weight decay " + number(weight_decay) : "") + (decay ? " time decay " + number(decay) : "");
  }
  /// Command-line presets: "adam" (adam::pytorch) and "adam-keras" (adam::keras), lr 1e-3 unless given.
  static constexpr std::array<std::string_view, 2> presets{"adam", "adam-keras"};
  static adam preset(std::string_view name, double lr, double) {
    return name == "adam-keras" ? keras(lr > 0 ? lr : 1e-3) : pytorch(lr > 0 ? lr : 1e-3);
  }
};

}  // namespace cnnbench::optim
