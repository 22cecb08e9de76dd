// cnnbench/backend/eigen/activation.hpp: ReLU, Sigmoid, Tanh and Softmax under exec::eigen_cpu (see kernel.hpp for the kernel interface).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "../../layers/activation.hpp"
#include "kernel.hpp"
#include "simd.hpp"

namespace cnnbench::backend::eigen {

namespace detail {
/// Shared shape of the element-wise kernels: F(x) forward, G(x, y, dy) backward.
template <shape In, class Derived>
struct pointwise_kernel {
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t n, const float*) {
    const std::size_t count = n * In.size();
    for (std::size_t i = 0; i < count; ++i) y[i] = Derived::f(x[i]);
  }
  void backward(const context&, const float* x, const float* y, const float* dy, float* dx, std::size_t n,
                const float*, float*) {
    if (!dx) return;
    const std::size_t count = n * In.size();
    for (std::size_t i = 0; i < count; ++i) dx[i] = Derived::df(x[i], y[i], dy[i]);
  }
};
}  // namespace detail

/// ReLU runs in place after a Conv or Dense (runner_base.hpp's shares_input): forward with y == x is
/// element by element, and backward reads y only (dx = dy where y > 0).
template <shape In>
struct kernel<ReLU, In> : detail::pointwise_kernel<In, kernel<ReLU, In>> {
  static constexpr bool in_place = true;
  static float f(float x) noexcept { return x > 0.0f ? x : 0.0f; }
  /// dy where y > 0, else +0, without a branch (simd::keep_if).
  static float df(float, float y, float dy) noexcept { return simd::keep_if(y > 0.0f, dy); }
};
template <shape In>
struct kernel<Sigmoid, In> : detail::pointwise_kernel<In, kernel<Sigmoid, In>> {
  static float f(float x) noexcept { return 1.0f / (1.0f + std::exp(-x)); }
  static float df(float, float y, float dy) noexcept { return dy * y * (1.0f - y); }
};
template <shape In>
struct kernel<Tanh, In> : detail::pointwise_kernel<In, kernel<Tanh, In>> {
  static float f(float x) noexcept { return std::tanh(x); }
  static float df(float, float y, float dy) noexcept { return dy * (1.0f - y * y); }
};

template <shape In>
struct kernel<Softmax, In> {
  static constexpr std::size_t HW = In.h * In.w;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t n, const float*) {
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t p = 0; p < HW; ++p) {
        const float* src = x + b * In.size() + p;
        float* dst = y + b * In.size() + p;
        float m = src[0];
        for (std::size_t c = 1; c < In.c; ++c) m = std::max(m, src[c * HW]);
        float s = 0;
        for (std::size_t c = 0; c < In.c; ++c) s += (dst[c * HW] = std::exp(src[c * HW] - m));
        for (std::size_t c = 0; c < In.c; ++c) dst[c * HW] /= s;
      }
  }
  void backward(const context&, const float*, const float* y, const float* dy, float* dx, std::size_t n,
                const float*, float*) {
    if (!dx) return;
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t p = 0; p < HW; ++p) {
        const std::size_t o = b * In.size() + p;
        float dot = 0;
        for (std::size_t c = 0; c < In.c; ++c) dot += dy[o + c * HW] * y[o + c * HW];
        for (std::size_t c = 0; c < In.c; ++c) dx[o + c * HW] = y[o + c * HW] * (dy[o + c * HW] - dot);
      }
  }
};

}  // namespace cnnbench::backend::eigen
