// cnnbench/loss/softmax_cross_entropy.hpp: the loss type (formula, checks); its arithmetic is per back end
// (backend/host/losses.hpp is the reference, used by exec::eigen_cpu).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "../shape.hpp"

namespace cnnbench::loss {

/// Softmax cross-entropy on logits with integer labels, mean over the batch
/// (PyTorch nn.CrossEntropyLoss(); Keras SparseCategoricalCrossentropy(from_logits=True)).
///   L = (1/N) sum_i [ log sum_k exp(z_ik) - z_i,y_i ],   dL/dz_ik = (softmax(z_i)_k - [k == y_i]) / N
/// Model output: flat {classes, 1, 1} logits, classes >= 2 (static_assert "cnnbench: ...").
/// Labels: integers in [0, classes); others throw value_error before anything runs.
/// Accuracy counts argmax_k z_ik == y_i (the first maximum on ties).
struct softmax_cross_entropy {
  static constexpr std::string_view name = "softmax_cross_entropy";
  template <shape Out>
  static constexpr bool accepts = Out.flat() && Out.c >= 2;
  template <shape Out>
  static consteval void validate() {
    static_assert(Out.flat(), "cnnbench: softmax_cross_entropy: the model output must be flat (end with Dense)");
    static_assert(Out.c >= 2, "cnnbench: softmax_cross_entropy: needs at least 2 classes; use binary_cross_entropy for 1 logit");
  }
  /// Number of valid label values for a model with `outputs` logits.
  static constexpr std::size_t label_count(std::size_t outputs) noexcept { return outputs; }
};

}  // namespace cnnbench::loss
