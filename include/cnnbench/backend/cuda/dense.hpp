// cnnbench/backend/cuda/dense.hpp: Dense under exec::cudnn (cuBLAS sgemm on row-major buffers read
// as column-major transposes; the bias add and bias gradient on the policy's kernels, none for
// Dense<U, no_bias>; the bias offset from the layer's specs).
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/dense.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include "kernel.hpp"

namespace cnnbench::backend::cuda {

/// One cublasSgemm call, column-major BLAS semantics: C (m x n) = op(A) (m x k) * op(B) (k x n),
/// alpha 1, beta 0 (C overwritten).
struct gemm_call {
  cublasOperation_t trans_a = CUBLAS_OP_N, trans_b = CUBLAS_OP_N;
  int m = 0, n = 0, k = 0;
  const float* a = nullptr;
  int lda = 0;
  const float* b = nullptr;
  int ldb = 0;
  float* c = nullptr;
  int ldc = 0;
};
inline void run_gemm(cublasHandle_t h, const gemm_call& g) {
  CNNBENCH_CUDA_CHECK(cublasSgemm(h, g.trans_a, g.trans_b, g.m, g.n, g.k, &detail::one, g.a, g.lda, g.b, g.ldb, &detail::zero,
                                  g.c, g.ldc));
}
/// Dense's three products. Row-major X [n, in], W [out, in], Y [n, out] are, read column-major,
/// X^T, W^T and Y^T; so
///   Y = X W^T      is  Y^T (out x n) = W (out x in: op T of the stored in x out) * X^T (in x n)
///   dW = dY^T X    is  dW^T (in x out) = X^T (in x n) * dY (n x out: op T of the stored out x n)
///   dX = dY W      is  dX^T (in x n) = W^T (in x out) * dY^T (out x n)
/// (tests/gpu/cuda_host.cpp runs these calls through a reference column-major GEMM.)
namespace dense_gemm {
inline gemm_call forward(const float* x, const float* w, float* y, int n, int in, int out) {
  return {CUBLAS_OP_T, CUBLAS_OP_N, out, n, in, w, in, x, in, y, out};
}
inline gemm_call weight_gradient(const float* x, const float* dy, float* dw, int n, int in, int out) {
  return {CUBLAS_OP_N, CUBLAS_OP_T, in, out, n, x, in, dy, out, dw, in};
}
inline gemm_call input_gradient(const float* w, const float* dy, float* dx, int n, int in, int out) {
  return {CUBLAS_OP_N, CUBLAS_OP_N, in, n, out, w, in, dy, out, dx, in};
}
}  // namespace dense_gemm

template <std::size_t U, bias B, shape In>
struct kernel<Dense<U, B>, In> : detail::stateless {
  using L = Dense<U, B>;
  static constexpr int I = static_cast<int>(In.c), Ui = static_cast<int>(U);
  void forward(device_context& ctx, const float* x, float* y, int n, const float* w, bool) {
    run_gemm(ctx.cublas, dense_gemm::forward(x, w, y, n, I, Ui));
    if constexpr (L::has_bias)
      launch::cnb_add_bias(*ctx.kernels, ctx.stream, static_cast<long long>(n) * U, y, w + tensor_offset<L, In>(param_role::bias),
                           Ui, 1);
  }
  void backward(device_context& ctx, const float* x, const float*, const float* dy, float* dx, int n, const float* w, float* dw) {
    run_gemm(ctx.cublas, dense_gemm::weight_gradient(x, dy, dw, n, I, Ui));
    if constexpr (L::has_bias)
      launch::cnb_channel_sum(*ctx.kernels, ctx.stream, static_cast<unsigned>(U), dy, dw + tensor_offset<L, In>(param_role::bias),
                              n, Ui, 1);
    if (dx) run_gemm(ctx.cublas, dense_gemm::input_gradient(w, dy, dx, n, I, Ui));
  }
};

}  // namespace cnnbench::backend::cuda
