// cnnbench/layers/dropout.hpp
#pragma once
#include "../layer.hpp"

namespace cnnbench {

/// Dropout<Rate>: in training, zeroes each element with probability Rate and scales the others
/// by 1 / (1 - Rate) ("inverted dropout", as Keras and PyTorch do); the identity at inference.
/// Rate is written as a decimal, `Dropout<0.25>` (see `real` in shape.hpp).
/// Shape:    {C, H, W} -> {C, H, W}
/// Params:   0
/// FLOPs:    0 (identity in the inference forward pass that FLOPs describe)
/// Requires: 0 <= Rate < 1 (static_assert "cnnbench: Dropout: ...").
/// Masks are drawn from the run's seeded generator, so a seed fixes them.
template <real Rate>
struct Dropout : detail::elementwise_layer<0> {
  static constexpr std::string_view name = "Dropout";
  static constexpr std::string_view key = "dropout";
  static constexpr double rate = Rate.value();
  template <shape In>
  static constexpr bool accepts = Rate.scaled >= 0 && Rate.scaled < real(1.0).scaled;
  template <shape In>
  static consteval void validate() {
    static_assert(Rate.scaled >= 0 && Rate.scaled < real(1.0).scaled, "cnnbench: Dropout: Rate must be in [0, 1)");
  }
};

}  // namespace cnnbench
