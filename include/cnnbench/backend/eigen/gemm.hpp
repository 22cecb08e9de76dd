// cnnbench/backend/eigen/gemm.hpp: the one matrix product of the CPU back end, on Eigen.
//
// C (M x N) = op(A) (M x K) * op(B) (K x N), or C += ..., all row-major with leading dimensions
// (the distance between rows, in floats). op(X) = X or its transpose (then X is stored K x M or N x K).
// Dynamic sizes on purpose: Eigen's GEMM is instantiated once per translation unit, not per layer
// shape, which keeps compile times of template-heavy models down. Single-threaded: the policy
// parallelises over the batch.
#pragma once
#include <Eigen/Core>

namespace cnnbench::backend::eigen {

inline void gemm(Eigen::Index M, Eigen::Index N, Eigen::Index K, const float* A, Eigen::Index lda, bool trans_a,
                 const float* B, Eigen::Index ldb, bool trans_b, float* C, Eigen::Index ldc, bool accumulate) {
  if (M == 0 || N == 0) return;
  using Row = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Col = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  using S = Eigen::OuterStride<>;
  Eigen::Map<Row, Eigen::Unaligned, S> c(C, M, N, S(ldc));
  if (K == 0) {
    if (!accumulate) c.setZero();
    return;
  }
  auto product = [&](const auto& a, const auto& b) {
    if (accumulate) c.noalias() += a * b;
    else c.noalias() = a * b;
  };
  auto with_b = [&](const auto& a) {
    if (trans_b) product(a, Eigen::Map<const Col, Eigen::Unaligned, S>(B, K, N, S(ldb)));
    else product(a, Eigen::Map<const Row, Eigen::Unaligned, S>(B, K, N, S(ldb)));
  };
  if (trans_a) with_b(Eigen::Map<const Col, Eigen::Unaligned, S>(A, M, K, S(lda)));
  else with_b(Eigen::Map<const Row, Eigen::Unaligned, S>(A, M, K, S(lda)));
}

}  // namespace cnnbench::backend::eigen
