// cnnbench/backend/eigen/identity.hpp: Identity under exec::eigen_cpu (see kernel.hpp).
#pragma once
#include <cstddef>

#include "../../layers/identity.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::eigen {

template <shape In>
struct kernel<Identity, In> {
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  void forward(const context&, const float* x, float* y, std::size_t n, const float*) { copy(x, y, n * In.size()); }
  void backward(const context&, const float*, const float*, const float* dy, float* dx, std::size_t n, const float*, float*) {
    if (dx) copy(dy, dx, n * In.size());
  }
};

}  // namespace cnnbench::backend::eigen
