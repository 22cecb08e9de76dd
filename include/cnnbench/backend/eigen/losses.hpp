// cnnbench/backend/eigen/losses.hpp: the losses under exec::eigen_cpu.
//
// loss_impl<Loss> is the policy's customisation point (as kernel<L, In> is for layers): a loss
// without a specialisation is a compile error naming the policy. Both losses of loss/ run the host
// reference arithmetic (backend/host/losses.hpp) on each thread's rows.
#pragma once
#include "../../loss.hpp"
#include "../host/losses.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::eigen {

template <class Loss>
struct loss_impl {
  static_assert(dependent_false<Loss>,
                "cnnbench: exec::eigen_cpu has no implementation of this loss (specialise "
                "cnnbench::backend::eigen::loss_impl<Loss> in backend/eigen/losses.hpp)");
};
template <>
struct loss_impl<loss::softmax_cross_entropy> : host::loss_kernel<loss::softmax_cross_entropy> {};
template <>
struct loss_impl<loss::binary_cross_entropy> : host::loss_kernel<loss::binary_cross_entropy> {};

}  // namespace cnnbench::backend::eigen
