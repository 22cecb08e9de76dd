// cnnbench/backend/eigen/dense.hpp: Dense: GEMM (gemm.hpp) under exec::eigen_cpu (see kernel.hpp for the kernel interface).
#pragma once
#include <cstddef>

#include "gemm.hpp"
#include "../../layers/dense.hpp"
#include "kernel.hpp"
#include "simd.hpp"

namespace cnnbench::backend::eigen {

template <std::size_t U, bias B, shape In>
struct kernel<Dense<U, B>, In> {
  using L = Dense<U, B>;
  static constexpr std::size_t I = In.c;
  /// backward needs x and dY only: a ReLU after it may overwrite its output (runner_base.hpp).
  static constexpr bool backward_reads_output = false;
  /// forward applies a following in-place ReLU with the bias when ctx.relu (runner_base.hpp's relu_fused).
  static constexpr bool fuses_relu = true;
  /// backward applies the backward of an in-place ReLU before it when ctx.relu_mask (after the dL/dx GEMM).
  static constexpr bool masks_relu = true;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context& ctx, const float* x, float* y, std::size_t n, const float* w) {
    gemm(n, U, I, x, I, false, w, I, true, y, U, false);  // Y = X W^T
    const float* bias = nullptr;
    if constexpr (L::has_bias) bias = w + tensor_offset<L, In>(param_role::bias);
    if (ctx.relu) {
      for (std::size_t r = 0; r < n; ++r)
        for (std::size_t u = 0; u < U; ++u) {
          const float v = L::has_bias ? y[r * U + u] + bias[u] : y[r * U + u];
          y[r * U + u] = v > 0.0f ? v : 0.0f;  // ReLU's own f (activation.hpp)
        }
    } else if constexpr (L::has_bias) {
      for (std::size_t r = 0; r < n; ++r)
        for (std::size_t u = 0; u < U; ++u) y[r * U + u] += bias[u];
    }
  }
  void backward(const context& ctx, const float* x, const float*, const float* dy, float* dx, std::size_t n,
                const float* w, float* dw) {
    ctx.phase(profile_phase::backward_weights);
    gemm(U, I, n, dy, U, true, x, I, false, dw, I, true);  // dW += dY^T X
    if constexpr (L::has_bias) {
      float* dbias = dw + tensor_offset<L, In>(param_role::bias);
      for (std::size_t r = 0; r < n; ++r)
        for (std::size_t u = 0; u < U; ++u) dbias[u] += dy[r * U + u];
    }
    ctx.phase(profile_phase::backward_data);
    if (!dx) return;
    gemm(n, I, U, dy, U, false, w, I, false, dx, I, false);  // dX = dY W
    if (ctx.relu_mask) simd::mask_relu(x, dx, n * I);
  }
};

}  // namespace cnnbench::backend::eigen
