// cnnbench/layers/batch_norm.hpp
#pragma once
#include "../layer.hpp"

namespace cnnbench {

/// BatchNorm<Eps = 1e-5, Momentum = 0.1>: per-channel batch normalisation (Ioffe & Szegedy 2015),
/// over N, H and W in training (PyTorch BatchNorm2d; BatchNorm1d for a flat {C,1,1} input).
///   y = gamma * (x - mean) / sqrt(var + Eps) + beta
/// Training uses the batch statistics (biased variance) and updates the running statistics as
/// PyTorch does: running = (1 - Momentum) * running + Momentum * batch, with the UNBIASED batch
/// variance for running_var. Inference uses the running statistics.
/// Defaults are PyTorch's; `KerasBatchNorm` below has Keras' (epsilon 1e-3, momentum 0.99, which is
/// 0.01 in PyTorch's convention).
/// Shape:    {C, H, W} -> {C, H, W}
/// Params:   gamma C + beta C (trainable; PyTorch names them weight and bias)
/// State:    running_mean C + running_var C (non-trainable; Keras' "Non-trainable params")
/// FLOPs:    2 per element (scale and shift, with the statistics folded at inference)
/// Requires: 0 < Eps; 0 <= Momentum <= 1 (static_assert "cnnbench: BatchNorm: ...").
template <real Eps = 1e-5, real Momentum = 0.1>
struct BatchNorm {
  static constexpr std::string_view name = "BatchNorm";
  static constexpr std::string_view key = "batch_norm";
  static constexpr double eps = Eps.value();
  static constexpr double momentum = Momentum.value();

  static constexpr bool hyper_ok = Eps.scaled > 0 && Momentum.scaled >= 0 && Momentum.scaled <= real(1.0).scaled;
  template <shape In>
  static constexpr bool accepts = hyper_ok;
  template <shape In>
  static consteval void validate() {
    static_assert(Eps.scaled > 0, "cnnbench: BatchNorm: Eps must be > 0");
    static_assert(Momentum.scaled >= 0 && Momentum.scaled <= real(1.0).scaled,
                  "cnnbench: BatchNorm: Momentum must be in [0, 1]");
  }
  template <shape In>
  static constexpr shape output_shape = In;
  template <shape In>
  static constexpr std::array<tensor_spec, 2> params{tensor_spec{"weight", param_role::gamma, {In.c, 0, 0, 0}, 1, 0, 0},
                                                     tensor_spec{"bias", param_role::beta, {In.c, 0, 0, 0}, 1, 0, 0}};
  template <shape In>
  static constexpr std::array<tensor_spec, 2> state{
      tensor_spec{"running_mean", param_role::running_mean, {In.c, 0, 0, 0}, 1, 0, 0},
      tensor_spec{"running_var", param_role::running_var, {In.c, 0, 0, 0}, 1, 0, 0}};
  template <shape In>
  static constexpr std::size_t param_count = 2 * In.c;
  template <shape In>
  static constexpr std::size_t flops = 2 * In.size();
};

/// BatchNorm with Keras' defaults: epsilon 1e-3, momentum 0.99 (Keras) = 0.01 (PyTorch convention).
using KerasBatchNorm = BatchNorm<1e-3, 0.01>;

}  // namespace cnnbench
