// cnnbench/backend/host/losses.hpp: the losses' arithmetic on host memory, float32 in, double sums.
//
// host::loss_kernel<Loss> is the reference implementation of each loss of loss/ (whose headers hold
// only the types, their formulas and their compile-time checks). exec::eigen_cpu runs it directly;
// exec::libtorch uses it to score inference logits; the tests use it as the host reference of the
// device kernels. Rows [b0, b1) of logits z (row-major, `outputs` per row), labels y:
//   forward_backward(z, y, b0, b1, outputs, scale, dz) -> the SUM of the rows' losses; when dz is not
//                                                        null, writes dz = dLoss_i/dz * scale
//                                                        (scale = 1 / N for the batch mean)
//   correct(z, y, b0, b1, outputs) -> rows whose prediction equals the label
// A loss without a specialisation is a compile error naming it.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "../../loss.hpp"

namespace cnnbench::backend::host {

template <class T>
inline constexpr bool dependent_false = false;

template <class Loss>
struct loss_kernel {
  static_assert(dependent_false<Loss>,
                "cnnbench: no host implementation of this loss (specialise cnnbench::backend::host::loss_kernel<Loss> "
                "in backend/host/losses.hpp)");
};

/// loss::softmax_cross_entropy: L_i = log sum_k exp(z_ik) - z_i,y_i (log-sum-exp in double),
/// dL_i/dz_ik = softmax(z_i)_k - [k == y_i]; prediction argmax_k z_ik (the first maximum on ties).
template <>
struct loss_kernel<loss::softmax_cross_entropy> {
  static double forward_backward(const float* z, const std::int32_t* y, std::size_t b0, std::size_t b1, std::size_t classes,
                                 float scale, float* dz) noexcept {
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

/// loss::binary_cross_entropy: L_i = max(z_i, 0) - z_i y_i + log(1 + exp(-|z_i|)) (the stable form),
/// dL_i/dz_i = sigmoid(z_i) - y_i; prediction z_i > 0.
template <>
struct loss_kernel<loss::binary_cross_entropy> {
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

}  // namespace cnnbench::backend::host
