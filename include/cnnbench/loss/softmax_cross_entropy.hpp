// cnnbench/loss/softmax_cross_entropy.hpp
#pragma once
#include <cmath>
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

  /// Rows [b0, b1) of logits z (row-major, `classes` per row): returns the SUM of their losses and, if
  /// dz != nullptr, writes dz = (softmax - onehot) * scale (scale = 1 / N for the batch mean).
  static double forward_backward(const float* z, const std::int32_t* y, std::size_t b0, std::size_t b1,
                                 std::size_t classes, float scale, float* dz) noexcept {
    double total = 0;
    for (std::size_t b = b0; b < b1; ++b) {
      const float* zi = z + b * classes;
      float m = zi[0];
      for (std::size_t k = 1; k < classes; ++k) m = zi[k] > m ? zi[k] : m;
      double s = 0;
      for (std::size_t k = 0; k < classes; ++k) s += std::exp(static_cast<double>(zi[k]) - m);
      const double lse = m + std::log(s);
      total += lse - zi[y[b]];
      if (dz) {
        float* d = dz + b * classes;
        for (std::size_t k = 0; k < classes; ++k) {
          const double p = std::exp(static_cast<double>(zi[k]) - lse);
          d[k] = static_cast<float>(p - (static_cast<std::int32_t>(k) == y[b] ? 1.0 : 0.0)) * scale;
        }
      }
    }
    return total;
  }
  /// Number of rows in [b0, b1) whose argmax equals the label.
  static std::size_t correct(const float* z, const std::int32_t* y, std::size_t b0, std::size_t b1, std::size_t classes) noexcept {
    std::size_t n = 0;
    for (std::size_t b = b0; b < b1; ++b) {
      const float* zi = z + b * classes;
      std::size_t arg = 0;
      for (std::size_t k = 1; k < classes; ++k)
        if (zi[k] > zi[arg]) arg = k;
      n += static_cast<std::int32_t>(arg) == y[b];
    }
    return n;
  }
};

}  // namespace cnnbench::loss
