// cnnbench/layers/dropout.hpp
#pragma once
#include <cstddef>
#include <cstdint>

#include "../layer.hpp"
#include "../random.hpp"

namespace cnnbench {

/// Dropout<Rate>: in training, zeroes each element with probability Rate and scales the others
/// by 1 / (1 - Rate) ("inverted dropout", as Keras and PyTorch do); the identity at inference.
/// Rate is written as a decimal, `Dropout<0.25>` (see `real` in shape.hpp).
/// Shape:    {C, H, W} -> {C, H, W}
/// Params:   0
/// FLOPs:    0 (identity in the inference forward pass that FLOPs describe)
/// Requires: 0 <= Rate < 1 (static_assert "cnnbench: Dropout: ...").
/// Masks are drawn from the run's seeded generator, so a seed fixes them. Their definition is here,
/// once, for every back end: element e of the whole batch (e = sample * C*H*W + i) of the layer with
/// index `layer` in the flattened model, at training step `step` (0-based, the runner's step counter
/// before the update), is kept when keep(mask_stream(seed, step, layer), e): the 32-bit draw
/// u_e = bits [32 (e mod 2), 32 (e mod 2) + 32) of mask_stream(...).at(e / 2) is >= threshold =
/// floor(Rate * 2^32). Kept elements are multiplied by scale = 1 / (1 - Rate). So a mask depends on
/// neither the thread count nor the device.
template <real Rate>
struct Dropout : detail::elementwise_layer<0> {
  static constexpr std::string_view name = "Dropout";
  static constexpr std::string_view key = "dropout";
  static constexpr double rate = Rate.value();
  /// 1 / (1 - Rate), the factor of kept elements in training.
  static constexpr float scale = rate < 1.0 ? static_cast<float>(1.0 / (1.0 - rate)) : 0.0f;
  /// floor(Rate * 2^32): a 32-bit draw below it drops the element.
  static constexpr std::uint64_t threshold = static_cast<std::uint64_t>(rate * 4294967296.0);
  /// The generator stream of the masks of layer `layer` at step `step` under `seed`.
  static constexpr rng mask_stream(std::uint64_t seed, std::uint64_t step, std::size_t layer) noexcept {
    return rng(seed ^ 0xd50bd0d5ull, (step << 12) + layer);
  }
  /// Whether element e of the whole batch is kept (see above).
  static constexpr bool keep(const rng& r, std::uint64_t e) noexcept {
    const std::uint64_t bits = r.at(e / 2);
    return (e % 2 == 1 ? bits >> 32 : bits & 0xffffffffull) >= threshold;
  }
  template <shape In>
  static constexpr bool accepts = Rate.scaled >= 0 && Rate.scaled < real(1.0).scaled;
  template <shape In>
  static consteval void validate() {
    static_assert(Rate.scaled >= 0 && Rate.scaled < real(1.0).scaled, "cnnbench: Dropout: Rate must be in [0, 1)");
  }
};

}  // namespace cnnbench
