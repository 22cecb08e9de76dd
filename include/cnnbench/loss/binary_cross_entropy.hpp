// cnnbench/loss/binary_cross_entropy.hpp: the loss type (formula, checks); its arithmetic is per back end
// (backend/host/losses.hpp is the reference, used by exec::eigen_cpu).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../shape.hpp"

namespace cnnbench::loss {

/// Binary cross-entropy on ONE logit per sample, labels 0 or 1, mean over the batch
/// (PyTorch nn.BCEWithLogitsLoss(); Keras BinaryCrossentropy(from_logits=True)), in the stable form
///   L = (1/N) sum_i [ max(z_i, 0) - z_i y_i + log(1 + exp(-|z_i|)) ],   dL/dz_i = (sigmoid(z_i) - y_i) / N
/// Model output: {1, 1, 1} (static_assert "cnnbench: ..."). Labels outside {0, 1} throw value_error.
/// Accuracy counts (z_i > 0) == y_i.
struct binary_cross_entropy {
  static constexpr std::string_view name = "binary_cross_entropy";
  template <shape Out>
  static constexpr bool accepts = Out.size() == 1;
  template <shape Out>
  static consteval void validate() {
    static_assert(Out.size() == 1, "cnnbench: binary_cross_entropy: the model must output one logit ({1, 1, 1})");
  }
  static constexpr std::size_t label_count(std::size_t) noexcept { return 2; }
};

}  // namespace cnnbench::loss
