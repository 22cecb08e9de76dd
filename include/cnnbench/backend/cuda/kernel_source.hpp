// cnnbench/backend/cuda/kernel_source.hpp: the source of the cuDNN policy's own CUDA kernels, as
// a string constant compiled at run time by NVRTC (nvrtc.hpp), and the same code compiled for the
// host, so that every kernel's arithmetic is unit-tested without a device.
//
// WHY NVRTC. A user's build needs no nvcc, no CUDA language support in CMake and no .cu file: the
// kernels are C++ text in this header, compiled once per process for the device's architecture
// the first time a runner is prepared (about a second), then cached. What it asks of a build: link
// cnnbench::cuda (cudart, cuBLAS, cuDNN and libnvrtc); at run time libnvrtc.so and the
// libnvrtc-builtins.so beside it must be loadable, and the driver must support the CUDA version of
// the toolkit (it loads the code with cudaLibraryLoadData, CUDA >= 12.8).
//
// ONE TEXT, TWO COMPILERS. The per-element functions are written once, in the macro
// CNNBENCH_CUDA_ELEMENTS(D), with D the function qualifier:
//   - kernel_source_text() stringises CNNBENCH_CUDA_ELEMENTS(__device__ __forceinline__) plus one
//     __global__ grid-stride loop per element function, and the few block-level kernels (reductions);
//   - namespace host_mirror expands CNNBENCH_CUDA_ELEMENTS(inline) plus a plain loop per kernel,
//     with the same signatures, which tests/gpu/cuda_host.cpp runs against the eigen_cpu kernels.
// Kernel signatures come from one X-macro list (CNNBENCH_CUDA_MAP_KERNELS, _BLOCK_KERNELS): the
// __global__ functions, the host mirror and the typed launchers of nvrtc.hpp are all generated from
// it, so a launch cannot pass arguments of other types than the kernel takes.
// Rules for the code inside the macros: no preprocessor directives, no // comments (only /* */),
// no standard library (NVRTC has none), integer types spelled out (int, long long,
// unsigned long long), maths from the CUDA math API that <math.h> also has (expf, sqrtf, exp, log,
// log1p, fabs).
//
// THE KERNELS (all NCHW float32; n = number of elements of the loop's index space; "plane" = n*C+c):
//   cnb_pad2d        y[plane][oy][ox] = x[plane][oy-pt][ox-pl] or 0     (ZeroPad; uneven "same" Conv)
//   cnb_crop2d       dx[plane][iy][ix] = dy[plane][iy+pt][ix+pl]        (their backward)
//   cnb_maxpool_fwd  max over the window, and (training) the index of the FIRST maximum in row-major
//                    order, as PyTorch and eigen_cpu give the gradient to it
//   cnb_maxpool_bwd  gather: dx = sum of dy over the windows whose first maximum is this element
//                    (no atomics: deterministic, overlapping windows included)
//   cnb_avgpool_fwd/bwd, cnb_gap_fwd/bwd   average pooling and global average pooling, gather form
//   cnb_dropout      eigen_cpu's mask exactly: element e of the batch is kept when the 32-bit half
//                    (e % 2) of splitmix64(key + (e / 2) * golden_gamma) >= threshold, key as
//                    Dropout<Rate>::mask_stream(seed, step, layer).key() (layers/dropout.hpp)
//   cnb_add_bias     y[n][c][p] += b[c]                                (Conv and Dense biases)
//   cnb_add          y[i] = a[i] + b[i]                                (Residual: main + shortcut, dx sums)
//   cnb_softmax_xent, cnb_binary_xent   per-sample loss (double), gradient * scale, correct flag
//   cnb_sgd, cnb_adam, cnb_rmsprop     the optimizers of optim/ element by element, with the scalars
//                    (bias corrections, decayed lr) computed on the host exactly as optim/ does
//   cnb_channel_sum  (block kernel) out[c] = sum over n, p of x[n][c][p]: bias gradients; one block
//                    per channel, fixed-order tree reduction: deterministic
//   cnb_reduce_loss  (block kernel) the batch's loss sum and correct count, fixed order
#pragma once
#include <math.h>

#include <cstddef>
#include <string>
#include <string_view>

// ---- the per-element functions ---------------------------------------------------------------
#define CNNBENCH_CUDA_ELEMENTS(D)                                                                              \
  D unsigned long long cnb_splitmix64(unsigned long long z) {                                                  \
    z += 0x9e3779b97f4a7c15ull;                                                                                \
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;                                                               \
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;                                                               \
    return z ^ (z >> 31);                                                                                      \
  }                                                                                                            \
  /* element e of the stream keyed `key`: the low (e even) or high (e odd) half of draw e / 2 */              \
  D bool cnb_dropout_keep(unsigned long long key, long long e, unsigned long long threshold) {                 \
    const unsigned long long bits = cnb_splitmix64(key + (unsigned long long)(e >> 1) * 0x9e3779b97f4a7c15ull); \
    const unsigned long long half = (e & 1) ? (bits >> 32) : (bits & 0xffffffffull);                           \
    return half >= threshold;                                                                                  \
  }                                                                                                            \
  D void cnb_dropout_elem(long long i, const float* x, float* y, unsigned long long key,                       \
                          unsigned long long threshold, float scale) {                                         \
    y[i] = cnb_dropout_keep(key, i, threshold) ? x[i] * scale : 0.0f;                                          \
  }                                                                                                            \
  /* i indexes the padded output [plane][OH][OW] */                                                            \
  D void cnb_pad2d_elem(long long i, const float* x, float* y, int H, int W, int OH, int OW, int pt, int pl) {  \
    const int ox = (int)(i % OW);                                                                              \
    const long long r = i / OW;                                                                                \
    const int oy = (int)(r % OH);                                                                              \
    const long long plane = r / OH;                                                                            \
    const int iy = oy - pt, ix = ox - pl;                                                                      \
    y[i] = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[(plane * H + iy) * W + ix] : 0.0f;                    \
  }                                                                                                            \
  /* i indexes the unpadded input gradient [plane][H][W] */                                                    \
  D void cnb_crop2d_elem(long long i, const float* dy, float* dx, int H, int W, int OH, int OW, int pt,        \
                         int pl) {                                                                             \
    const int ix = (int)(i % W);                                                                               \
    const long long r = i / W;                                                                                 \
    const int iy = (int)(r % H);                                                                               \
    const long long plane = r / H;                                                                             \
    dx[i] = dy[(plane * OH + iy + pt) * OW + ix + pl];                                                         \
  }                                                                                                            \
  /* i indexes the output [plane][OH][OW]; arg (may be null) gets iy * W + ix of the first maximum */          \
  D void cnb_maxpool_fwd_elem(long long i, const float* x, float* y, int* arg, int H, int W, int OH, int OW,   \
                              int K, int S) {                                                                  \
    const int ox = (int)(i % OW);                                                                              \
    const long long r = i / OW;                                                                                \
    const int oy = (int)(r % OH);                                                                              \
    const long long plane = r / OH;                                                                            \
    const float* p = x + plane * H * W;                                                                        \
    int best = oy * S * W + ox * S;                                                                            \
    float m = p[best];                                                                                         \
    for (int ky = 0; ky < K; ++ky)                                                                             \
      for (int kx = 0; kx < K; ++kx) {                                                                         \
        const int j = (oy * S + ky) * W + ox * S + kx;                                                         \
        const float v = p[j];                                                                                  \
        if (m < v) {                                                                                           \
          m = v;                                                                                               \
          best = j;                                                                                            \
        }                                                                                                      \
      }                                                                                                        \
    y[i] = m;                                                                                                  \
    if (arg) arg[i] = best;                                                                                    \
  }                                                                                                            \
  /* the windows covering input row iy: oy in [first, last] (empty when first > last) */                      \
  D int cnb_window_first(int iy, int K, int S) { return iy - K + 1 <= 0 ? 0 : (iy - K + 1 + S - 1) / S; }      \
  D int cnb_window_last(int iy, int S, int OH) { return iy / S < OH - 1 ? iy / S : OH - 1; }                   \
  /* i indexes the input gradient [plane][H][W] */                                                             \
  D void cnb_maxpool_bwd_elem(long long i, const float* dy, const int* arg, float* dx, int H, int W, int OH,   \
                              int OW, int K, int S) {                                                          \
    const int ix = (int)(i % W);                                                                               \
    const long long r = i / W;                                                                                 \
    const int iy = (int)(r % H);                                                                               \
    const long long plane = r / H;                                                                             \
    const int j = iy * W + ix;                                                                                 \
    const int oy1 = cnb_window_last(iy, S, OH), ox1 = cnb_window_last(ix, S, OW);                              \
    float g = 0.0f;                                                                                            \
    for (int oy = cnb_window_first(iy, K, S); oy <= oy1; ++oy)                                                 \
      for (int ox = cnb_window_first(ix, K, S); ox <= ox1; ++ox) {                                             \
        const long long o = (plane * OH + oy) * OW + ox;                                                       \
        if (arg[o] == j) g += dy[o];                                                                           \
      }                                                                                                        \
    dx[i] = g;                                                                                                 \
  }                                                                                                            \
  D void cnb_avgpool_fwd_elem(long long i, const float* x, float* y, int H, int W, int OH, int OW, int K,      \
                              int S, float inv) {                                                              \
    const int ox = (int)(i % OW);                                                                              \
    const long long r = i / OW;                                                                                \
    const int oy = (int)(r % OH);                                                                              \
    const long long plane = r / OH;                                                                            \
    const float* p = x + plane * H * W + (long long)(oy * S) * W + ox * S;                                    \
    float s = 0.0f;                                                                                            \
    for (int ky = 0; ky < K; ++ky)                                                                             \
      for (int kx = 0; kx < K; ++kx) s += p[ky * W + kx];                                                      \
    y[i] = s * inv;                                                                                            \
  }                                                                                                            \
  D void cnb_avgpool_bwd_elem(long long i, const float* dy, float* dx, int H, int W, int OH, int OW, int K,    \
                              int S, float inv) {                                                              \
    const int ix = (int)(i % W);                                                                               \
    const long long r = i / W;                                                                                 \
    const int iy = (int)(r % H);                                                                               \
    const long long plane = r / H;                                                                             \
    const int oy1 = cnb_window_last(iy, S, OH), ox1 = cnb_window_last(ix, S, OW);                              \
    float g = 0.0f;                                                                                            \
    for (int oy = cnb_window_first(iy, K, S); oy <= oy1; ++oy)                                                 \
      for (int ox = cnb_window_first(ix, K, S); ox <= ox1; ++ox) g += dy[(plane * OH + oy) * OW + ox] * inv;   \
    dx[i] = g;                                                                                                 \
  }                                                                                                            \
  /* i indexes the planes (n * C + c) */                                                                       \
  D void cnb_gap_fwd_elem(long long i, const float* x, float* y, int HW) {                                     \
    const float* p = x + i * HW;                                                                               \
    float s = 0.0f;                                                                                            \
    for (int k = 0; k < HW; ++k) s += p[k];                                                                    \
    y[i] = s / (float)HW;                                                                                      \
  }                                                                                                            \
  D void cnb_gap_bwd_elem(long long i, const float* dy, float* dx, int HW) { dx[i] = dy[i / HW] / (float)HW; } \
  D void cnb_add_bias_elem(long long i, float* y, const float* b, int C, int HW) { y[i] += b[(i / HW) % C]; }  \
  D void cnb_add_elem(long long i, const float* a, const float* b, float* y) { y[i] = a[i] + b[i]; }           \
  /* i indexes the samples; loss (double) and correct per sample; dz = (softmax - onehot) * scale */           \
  D void cnb_softmax_xent_elem(long long i, const float* z, const int* y, int classes, float scale, float* dz, \
                               double* loss, int* correct) {                                                   \
    const float* zi = z + i * classes;                                                                         \
    float m = zi[0];                                                                                           \
    int arg = 0;                                                                                               \
    for (int k = 1; k < classes; ++k) {                                                                        \
      m = zi[k] > m ? zi[k] : m;                                                                               \
      if (zi[k] > zi[arg]) arg = k;                                                                            \
    }                                                                                                          \
    double s = 0.0;                                                                                            \
    for (int k = 0; k < classes; ++k) s += exp((double)zi[k] - m);                                             \
    const double lse = m + log(s);                                                                             \
    loss[i] = lse - zi[y[i]];                                                                                  \
    correct[i] = arg == y[i] ? 1 : 0;                                                                          \
    if (dz)                                                                                                    \
      for (int k = 0; k < classes; ++k) {                                                                      \
        const double p = exp((double)zi[k] - lse);                                                             \
        dz[i * classes + k] = (float)(p - (k == y[i] ? 1.0 : 0.0)) * scale;                                    \
      }                                                                                                        \
  }                                                                                                            \
  D void cnb_binary_xent_elem(long long i, const float* z, const int* y, float scale, float* dz, double* loss,  \
                              int* correct) {                                                                  \
    const double zi = z[i], yi = y[i];                                                                         \
    loss[i] = (zi > 0.0 ? zi : 0.0) - zi * yi + log1p(exp(-fabs(zi)));                                         \
    correct[i] = (z[i] > 0.0f ? 1 : 0) == y[i] ? 1 : 0;                                                        \
    if (dz) dz[i] = (float)(1.0 / (1.0 + exp(-zi)) - yi) * scale;                                              \
  }                                                                                                            \
  D void cnb_sgd_elem(long long i, float* p, const float* g, float* b, float lr, float m, float wd,            \
                      int nesterov) {                                                                          \
    float d = wd != 0.0f ? g[i] + wd * p[i] : g[i];                                                            \
    if (m != 0.0f) {                                                                                           \
      b[i] = m * b[i] + d;                                                                                     \
      d = nesterov ? d + m * b[i] : b[i];                                                                      \
    }                                                                                                          \
    p[i] -= lr * d;                                                                                            \
  }                                                                                                            \
  /* keras == 0: p -= step * m / (sqrt(v) / rc2 + e);  keras != 0: p -= alpha * m / (sqrt(v) + e) */         \
  D void cnb_adam_elem(long long i, float* p, const float* g, float* m, float* v, float b1, float b2, float e,  \
                       float wd, float step, float rc2, float alpha, int keras) {                              \
    const float gi = wd != 0.0f ? g[i] + wd * p[i] : g[i];                                                     \
    m[i] = b1 * m[i] + (1.0f - b1) * gi;                                                                       \
    v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;                                                                  \
    if (keras)                                                                                                 \
      p[i] -= alpha * m[i] / (sqrtf(v[i]) + e);                                                                \
    else                                                                                                       \
      p[i] -= step * m[i] / (sqrtf(v[i]) / rc2 + e);                                                           \
  }                                                                                                            \
  D void cnb_rmsprop_elem(long long i, float* p, const float* g, float* s, float* b, float r, float e,         \
                          float lr, float m, int inside) {                                                     \
    s[i] = r * s[i] + (1.0f - r) * g[i] * g[i];                                                                \
    const float u = inside ? g[i] / sqrtf(s[i] + e) : g[i] / (sqrtf(s[i]) + e);                                \
    if (m != 0.0f) {                                                                                           \
      b[i] = m * b[i] + u;                                                                                     \
      p[i] -= lr * b[i];                                                                                       \
    } else {                                                                                                   \
      p[i] -= lr * u;                                                                                          \
    }                                                                                                          \
  }

// ---- kernels: X(name, (parameters), (argument names)) -------------------------------------------
// Map kernels: `name(long long n, parameters...)` runs name_elem(i, arguments...) for i in [0, n).
#define CNNBENCH_CUDA_MAP_KERNELS(X)                                                                          \
  X(cnb_pad2d, (const float* x, float* y, int H, int W, int OH, int OW, int pt, int pl),                      \
    (x, y, H, W, OH, OW, pt, pl))                                                                             \
  X(cnb_crop2d, (const float* dy, float* dx, int H, int W, int OH, int OW, int pt, int pl),                   \
    (dy, dx, H, W, OH, OW, pt, pl))                                                                           \
  X(cnb_maxpool_fwd, (const float* x, float* y, int* arg, int H, int W, int OH, int OW, int K, int S),        \
    (x, y, arg, H, W, OH, OW, K, S))                                                                          \
  X(cnb_maxpool_bwd, (const float* dy, const int* arg, float* dx, int H, int W, int OH, int OW, int K, int S), \
    (dy, arg, dx, H, W, OH, OW, K, S))                                                                        \
  X(cnb_avgpool_fwd, (const float* x, float* y, int H, int W, int OH, int OW, int K, int S, float inv),       \
    (x, y, H, W, OH, OW, K, S, inv))                                                                          \
  X(cnb_avgpool_bwd, (const float* dy, float* dx, int H, int W, int OH, int OW, int K, int S, float inv),     \
    (dy, dx, H, W, OH, OW, K, S, inv))                                                                        \
  X(cnb_gap_fwd, (const float* x, float* y, int HW), (x, y, HW))                                              \
  X(cnb_gap_bwd, (const float* dy, float* dx, int HW), (dy, dx, HW))                                          \
  X(cnb_dropout,                                                                                              \
    (const float* x, float* y, unsigned long long key, unsigned long long threshold, float scale),            \
    (x, y, key, threshold, scale))                                                                            \
  X(cnb_add_bias, (float* y, const float* b, int C, int HW), (y, b, C, HW))                                   \
  X(cnb_add, (const float* a, const float* b, float* y), (a, b, y))                                           \
  X(cnb_softmax_xent,                                                                                         \
    (const float* z, const int* y, int classes, float scale, float* dz, double* loss, int* correct),          \
    (z, y, classes, scale, dz, loss, correct))                                                                \
  X(cnb_binary_xent, (const float* z, const int* y, float scale, float* dz, double* loss, int* correct),      \
    (z, y, scale, dz, loss, correct))                                                                         \
  X(cnb_sgd, (float* p, const float* g, float* b, float lr, float m, float wd, int nesterov),                 \
    (p, g, b, lr, m, wd, nesterov))                                                                           \
  X(cnb_adam,                                                                                                 \
    (float* p, const float* g, float* m, float* v, float b1, float b2, float e, float wd, float step,         \
     float rc2, float alpha, int keras),                                                                      \
    (p, g, m, v, b1, b2, e, wd, step, rc2, alpha, keras))                                                     \
  X(cnb_rmsprop, (float* p, const float* g, float* s, float* b, float r, float e, float lr, float m, int inside), \
    (p, g, s, b, r, e, lr, m, inside))

// Block kernels: X(name, (parameters), (argument names), body...), launched with an explicit grid.
// Both need blockDim.x == 256 (nvrtc.hpp's launchers use it).
#define CNNBENCH_CUDA_BLOCK_KERNELS(X)                                                                        \
  /* grid: one block per channel c < C */                                                                     \
  X(cnb_channel_sum, (const float* x, float* out, int N, int C, int HW), (x, out, N, C, HW),                  \
    cnb_shared float part[256];                                                                               \
    const int c = cnb_block;                                                                                 \
    const long long total = (long long)N * HW;                                                                \
    float a = 0.0f;                                                                                           \
    for (long long j = cnb_thread; j < total; j += cnb_threads) {                                             \
      const long long n = j / HW;                                                                             \
      a += x[(n * C + c) * HW + (j - n * HW)];                                                                \
    }                                                                                                         \
    part[cnb_thread] = a;                                                                                    \
    cnb_sync();                                                                                          \
    for (int s = cnb_threads / 2; s > 0; s >>= 1) {                                                            \
      if ((int)cnb_thread < s) part[cnb_thread] += part[cnb_thread + s];                                   \
      cnb_sync();                                                                                        \
    }                                                                                                         \
    if (cnb_thread == 0) out[c] = part[0];)                                                                  \
  /* grid: one block */                                                                                       \
  X(cnb_reduce_loss, (int n, const double* loss, const int* correct, double* loss_sum, int* correct_sum),     \
    (n, loss, correct, loss_sum, correct_sum),                                                                \
    cnb_shared double part[256];                                                                              \
    cnb_shared int hits[256];                                                                                 \
    double a = 0.0;                                                                                           \
    int h = 0;                                                                                                \
    for (int j = cnb_thread; j < n; j += cnb_threads) {                                                       \
      a += loss[j];                                                                                           \
      h += correct[j];                                                                                        \
    }                                                                                                         \
    part[cnb_thread] = a;                                                                                    \
    hits[cnb_thread] = h;                                                                                    \
    cnb_sync();                                                                                          \
    for (int s = cnb_threads / 2; s > 0; s >>= 1) {                                                            \
      if ((int)cnb_thread < s) {                                                                             \
        part[cnb_thread] += part[cnb_thread + s];                                                           \
        hits[cnb_thread] += hits[cnb_thread + s];                                                           \
      }                                                                                                       \
      cnb_sync();                                                                                        \
    }                                                                                                         \
    if (cnb_thread == 0) {                                                                                   \
      *loss_sum = part[0];                                                                                    \
      *correct_sum = hits[0];                                                                                 \
    })

#define CNNBENCH_CUDA_UNPAREN(...) __VA_ARGS__
#define CNNBENCH_CUDA_STRINGIZE_(...) #__VA_ARGS__
#define CNNBENCH_CUDA_STRINGIZE(...) CNNBENCH_CUDA_STRINGIZE_(__VA_ARGS__)
// Device side of each kernel.
// CUDA's keywords and built-ins appear as cnb_* placeholders, defined by the prelude of
// kernel_source_text(): the CUDA headers define __device__, __global__, __shared__ and
// __forceinline__ as macros for host compilers, which would otherwise be expanded away here.
#define CNNBENCH_CUDA_DEVICE_MAP_KERNEL(name, params, args)                                      \
  cnb_kernel void name(long long cnb_n_, CNNBENCH_CUDA_UNPAREN params) {                         \
    for (long long cnb_i_ = (long long)cnb_block * cnb_threads + cnb_thread; cnb_i_ < cnb_n_;    \
         cnb_i_ += (long long)cnb_threads * cnb_blocks)                                          \
      name##_elem(cnb_i_, CNNBENCH_CUDA_UNPAREN args);                                           \
  }
#define CNNBENCH_CUDA_DEVICE_BLOCK_KERNEL(name, params, args, ...) \
  cnb_kernel void name(CNNBENCH_CUDA_UNPAREN params) { __VA_ARGS__ }
// Host side: the same loop, sequential.
#define CNNBENCH_CUDA_HOST_MAP_KERNEL(name, params, args)                                            \
  inline void name(long long cnb_n_, CNNBENCH_CUDA_UNPAREN params) {                                 \
    for (long long cnb_i_ = 0; cnb_i_ < cnb_n_; ++cnb_i_) name##_elem(cnb_i_, CNNBENCH_CUDA_UNPAREN args); \
  }

namespace cnnbench::backend::cuda {

/// The kernels as one line of text (the stringised macros above).
inline constexpr char kernel_source_raw[] = CNNBENCH_CUDA_STRINGIZE(
    CNNBENCH_CUDA_ELEMENTS(cnb_device) CNNBENCH_CUDA_MAP_KERNELS(CNNBENCH_CUDA_DEVICE_MAP_KERNEL)
        CNNBENCH_CUDA_BLOCK_KERNELS(CNNBENCH_CUDA_DEVICE_BLOCK_KERNEL));

/// Definitions of the placeholders kernel_source_raw uses for CUDA's keywords and built-ins.
inline constexpr char kernel_source_prelude[] =
    "/* cnnbench cuDNN policy kernels (backend/cuda/kernel_source.hpp) */\n"
    "#define cnb_device __device__ __forceinline__\n"
    "#define cnb_kernel extern \"C\" __global__\n"
    "#define cnb_shared __shared__\n"
    "#define cnb_sync() __syncthreads()\n"
    "#define cnb_thread threadIdx.x\n"
    "#define cnb_threads blockDim.x\n"
    "#define cnb_block blockIdx.x\n"
    "#define cnb_blocks gridDim.x\n";

/// The source NVRTC compiles: the prelude, then kernel_source_raw with a line break after every '{',
/// '}' and statement-ending ';', so that compiler messages (which cite lines) and a printed source are readable. The
/// text has no string or character literals and no directives, so the breaks change nothing else.
inline std::string kernel_source_text() {
  std::string s = kernel_source_prelude;
  s.reserve(sizeof kernel_source_raw + sizeof kernel_source_raw / 16);
  int parens = 0;  // no break inside a for (...;...;...)
  for (const char* p = kernel_source_raw; *p; ++p) {
    if (*p == ' ' && !s.empty() && s.back() == '\n') continue;  // no leading blanks
    s += *p;
    parens += *p == '(' ? 1 : *p == ')' ? -1 : 0;
    if (*p == '{' || *p == '}' || (*p == ';' && parens == 0)) s += '\n';
  }
  return s;
}

/// Names of the kernels, in the order of kernel_id (nvrtc.hpp).
#define CNNBENCH_CUDA_NAME_STRING(name, ...) #name,
inline constexpr const char* kernel_names[] = {CNNBENCH_CUDA_MAP_KERNELS(CNNBENCH_CUDA_NAME_STRING)
                                                   CNNBENCH_CUDA_BLOCK_KERNELS(CNNBENCH_CUDA_NAME_STRING)};
#undef CNNBENCH_CUDA_NAME_STRING
inline constexpr std::size_t kernel_count = sizeof kernel_names / sizeof kernel_names[0];

/// The kernels' element functions and map kernels compiled for the host: the same text, the same
/// signatures, run sequentially. For tests (device code cannot run without a device).
namespace host_mirror {
CNNBENCH_CUDA_ELEMENTS(inline)
CNNBENCH_CUDA_MAP_KERNELS(CNNBENCH_CUDA_HOST_MAP_KERNEL)
}  // namespace host_mirror

}  // namespace cnnbench::backend::cuda
