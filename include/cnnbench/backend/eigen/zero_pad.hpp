// cnnbench/backend/eigen/zero_pad.hpp: ZeroPad under exec::eigen_cpu (see kernel.hpp for the kernel interface).
#pragma once
#include <algorithm>
#include <cstddef>

#include "../../layers/zero_pad.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::eigen {

template <std::size_t P, shape In>
struct kernel<ZeroPad<P>, In> {
  static constexpr shape Out = ZeroPad<P>::template output_shape<In>;
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t n, const float*) {
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        const float* src = x + b * In.size() + c * In.h * In.w;
        float* dst = y + b * Out.size() + c * Out.h * Out.w;
        std::fill(dst, dst + P * Out.w, 0.0f);
        for (std::size_t i = 0; i < In.h; ++i) {
          float* row = dst + (i + P) * Out.w;
          std::fill(row, row + P, 0.0f);
          copy(src + i * In.w, row + P, In.w);
          std::fill(row + P + In.w, row + Out.w, 0.0f);
        }
        std::fill(dst + (P + In.h) * Out.w, dst + Out.h * Out.w, 0.0f);
      }
  }
  void backward(const context&, const float*, const float*, const float* dy, float* dx, std::size_t n,
                const float*, float*) {
    if (!dx) return;
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < In.c; ++c)
        for (std::size_t i = 0; i < In.h; ++i)
          copy(dy + b * Out.size() + c * Out.h * Out.w + (i + P) * Out.w + P, dx + b * In.size() + (c * In.h + i) * In.w,
                       In.w);
  }
};

}  // namespace cnnbench::backend::eigen
