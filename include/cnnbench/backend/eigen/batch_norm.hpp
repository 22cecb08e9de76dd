// cnnbench/backend/eigen/batch_norm.hpp: BatchNorm under exec::eigen_cpu (see kernel.hpp for the kernel interface).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "../../layers/batch_norm.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::eigen {

/// Training: statistics over the whole batch (N, H, W), gathered from every thread's partial sums
/// (double precision) through the team's barrier, combined in thread order (deterministic).
template <real Eps, real Momentum, shape In>
struct kernel<BatchNorm<Eps, Momentum>, In> {
  static constexpr std::size_t C = In.c, HW = In.h * In.w;
  static constexpr double eps = Eps.value(), momentum = Momentum.value();
  using L = BatchNorm<Eps, Momentum>;
  static constexpr std::size_t gamma_at = tensor_offset<L, In>(param_role::gamma), beta_at = tensor_offset<L, In>(param_role::beta);
  static constexpr std::size_t mean_at = state_offset<L, In>(param_role::running_mean),
                               var_at = state_offset<L, In>(param_role::running_var);
  static constexpr std::size_t workspace_floats(std::size_t) { return 0; }
  std::vector<double> partial;  // [threads][C][2]: each thread's sums, combined after a barrier
  std::vector<float> mean, invstd, k1, k2;

  /// Called by the runner before the team uses the kernel.
  void prepare(int threads, std::size_t) {
    partial.assign(static_cast<std::size_t>(threads) * C * 2, 0.0);
    mean.assign(C, 0.0f);
    invstd.assign(C, 1.0f);
    k1.assign(C, 0.0f);
    k2.assign(C, 0.0f);
  }

  void forward(const context& ctx, const float* x, float* y, std::size_t n, const float* w) {
    const float* gamma = w + gamma_at;
    const float* beta = w + beta_at;
    float* rmean = ctx.state + mean_at;
    float* rvar = ctx.state + var_at;
    if (!ctx.training) {
      for (std::size_t b = 0; b < n; ++b)
        for (std::size_t c = 0; c < C; ++c) {
          const float a = gamma[c] / std::sqrt(rvar[c] + static_cast<float>(eps));
          const float s = beta[c] - a * rmean[c];
          const float* src = x + b * In.size() + c * HW;
          float* dst = y + b * In.size() + c * HW;
          for (std::size_t p = 0; p < HW; ++p) dst[p] = a * src[p] + s;
        }
      return;
    }
    double* mine = partial.data() + static_cast<std::size_t>(ctx.thread) * C * 2;
    for (std::size_t c = 0; c < C; ++c) {
      double s = 0, q = 0;
      for (std::size_t b = 0; b < n; ++b) {
        const float* src = x + b * In.size() + c * HW;
        for (std::size_t p = 0; p < HW; ++p) {
          s += src[p];
          q += static_cast<double>(src[p]) * src[p];
        }
      }
      mine[2 * c] = s;
      mine[2 * c + 1] = q;
    }
    ctx.team->barrier();
    const double m = static_cast<double>(ctx.batch * HW);
    if (ctx.thread == 0) {
      for (std::size_t c = 0; c < C; ++c) {
        double s = 0, q = 0;
        for (int t = 0; t < ctx.threads; ++t) {
          s += partial[(static_cast<std::size_t>(t) * C + c) * 2];
          q += partial[(static_cast<std::size_t>(t) * C + c) * 2 + 1];
        }
        const double mu = s / m;
        const double var = std::max(0.0, q / m - mu * mu);  // biased, for normalisation
        mean[c] = static_cast<float>(mu);
        invstd[c] = static_cast<float>(1.0 / std::sqrt(var + eps));
        rmean[c] = static_cast<float>((1.0 - momentum) * rmean[c] + momentum * mu);
        rvar[c] = static_cast<float>((1.0 - momentum) * rvar[c] + momentum * var * m / (m - 1.0));  // unbiased
      }
    }
    ctx.team->barrier();
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < C; ++c) {
        const float a = gamma[c] * invstd[c], s = beta[c] - a * mean[c];
        const float* src = x + b * In.size() + c * HW;
        float* dst = y + b * In.size() + c * HW;
        for (std::size_t p = 0; p < HW; ++p) dst[p] = a * src[p] + s;
      }
  }

  void backward(const context& ctx, const float* x, const float*, const float* dy, float* dx, std::size_t n,
                const float* w, float* dw) {
    const float* gamma = w + gamma_at;
    // Profiling: the per-channel sums are dgamma and dbeta (backward-weights); dx reuses them (backward-data).
    ctx.phase(profile_phase::backward_weights);
    if (!ctx.training) {  // statistics are constants: an affine map per channel
      const float* rmean = ctx.state + mean_at;
      const float* rvar = ctx.state + var_at;
      for (std::size_t c = 0; c < C; ++c) {
        const float is = 1.0f / std::sqrt(rvar[c] + static_cast<float>(eps));
        float sdy = 0, sdyx = 0;
        for (std::size_t b = 0; b < n; ++b)
          for (std::size_t p = 0; p < HW; ++p) {
            const std::size_t i = b * In.size() + c * HW + p;
            sdy += dy[i];
            sdyx += dy[i] * (x[i] - rmean[c]) * is;
            if (dx) dx[i] = dy[i] * gamma[c] * is;
          }
        dw[gamma_at + c] += sdyx;
        dw[beta_at + c] += sdy;
      }
      ctx.phase(profile_phase::backward_data);
      return;
    }
    double* mine = partial.data() + static_cast<std::size_t>(ctx.thread) * C * 2;
    for (std::size_t c = 0; c < C; ++c) {
      double sdy = 0, sdyx = 0;
      for (std::size_t b = 0; b < n; ++b) {
        const float* src = x + b * In.size() + c * HW;
        const float* g = dy + b * In.size() + c * HW;
        for (std::size_t p = 0; p < HW; ++p) {
          sdy += g[p];
          sdyx += static_cast<double>(g[p]) * (src[p] - mean[c]) * invstd[c];
        }
      }
      mine[2 * c] = sdy;
      mine[2 * c + 1] = sdyx;
    }
    ctx.team->barrier();
    const double m = static_cast<double>(ctx.batch * HW);
    if (ctx.thread == 0) {
      for (std::size_t c = 0; c < C; ++c) {
        double sdy = 0, sdyx = 0;
        for (int t = 0; t < ctx.threads; ++t) {
          sdy += partial[(static_cast<std::size_t>(t) * C + c) * 2];
          sdyx += partial[(static_cast<std::size_t>(t) * C + c) * 2 + 1];
        }
        dw[gamma_at + c] += static_cast<float>(sdyx);  // dgamma
        dw[beta_at + c] += static_cast<float>(sdy);    // dbeta
        k1[c] = static_cast<float>(sdy / m);
        k2[c] = static_cast<float>(sdyx / m);
      }
    }
    ctx.team->barrier();  // k1, k2 ready
    ctx.phase(profile_phase::backward_data);
    if (!dx) return;
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < C; ++c) {
        const float a = gamma[c] * invstd[c];
        const float* src = x + b * In.size() + c * HW;
        const float* g = dy + b * In.size() + c * HW;
        float* d = dx + b * In.size() + c * HW;
        for (std::size_t p = 0; p < HW; ++p) {
          const float xhat = (src[p] - mean[c]) * invstd[c];
          d[p] = a * (g[p] - k1[c] - xhat * k2[c]);
        }
      }
  }
};

}  // namespace cnnbench::backend::eigen
