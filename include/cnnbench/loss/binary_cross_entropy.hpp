// cnnbench/loss/binary_cross_entropy.hpp
#pragma once
#include <algorithm>
#include <cmath>
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

  static double forward_backward(const float* z, const std::int32_t* y, std::size_t b0, std::size_t b1, std::size_t,
                                 float scale, float* dz) noexcept {
    double total = 0;
    for (std::size_t b = b0; b < b1; ++b) {
      const double zi = z[b], yi = y[b];
      total += std::max(zi, 0.0) - zi * yi + std::log1p(std::exp(-std::fabs(zi)));
      if (dz) dz[b] = static_cast<float>(1.0 / (1.0 + std::exp(-zi)) - yi) * scale;
    }
    return total;
  }
  static std::size_t correct(const float* z, const std::int32_t* y, std::size_t b0, std::size_t b1, std::size_t) noexcept {
    std::size_t n = 0;
    for (std::size_t b = b0; b < b1; ++b) n += (z[b] > 0.0f ? 1 : 0) == y[b];
    return n;
  }
};

}  // namespace cnnbench::loss
