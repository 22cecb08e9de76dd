// cnnbench/backend/cuda/layers.hpp: forward and backward of every layer on the GPU (implementation
// detail of exec::cudnn).
//
// layer<L, In> is specialised per layer template, like backend/eigen/kernels.hpp's kernel<L, In>:
//   configure(ctx, n, training)  descriptors, algorithms and the layer's own buffers for batch n
//                                (called by the runner after synchronising its stream, whenever the
//                                batch size or the mode changes; cheap when nothing changes)
//   workspace_bytes()            cuDNN workspace the current configuration needs
//   forward(ctx, x, y, n, w, training)         y = layer(x), n samples, NCHW device pointers
//   backward(ctx, x, y, dy, dx, n, w, dw)      dx = dL/dx (dx == nullptr: not needed, first layer);
//                                              dw = dL/dw (overwritten, not accumulated)
// Everything is enqueued on ctx.stream; nothing here synchronises the host.
//
// Which implementation each layer uses:
//   Conv           cuDNN forward / backward data / backward filter (algorithm.hpp), explicit padding
//                  when uneven (plan.hpp), bias add and bias gradient on the policy's kernels
//   Dense          cuBLAS sgemm (row-major buffers read as column-major transposes), bias kernels
//   BatchNorm      cuDNN, CUDNN_BATCHNORM_SPATIAL (per channel over N, H, W); its
//                  exponentialAverageFactor is our Momentum (running = (1 - m) running + m batch),
//                  epsilon our Eps; running_var takes cuDNN's unbiased batch variance like ours
//   ReLU, Sigmoid, Tanh   cuDNN activations;  Softmax  cuDNN, accurate, over C (CHANNEL mode)
//   MaxPool, AvgPool, GlobalAvgPool, ZeroPad, Dropout   the policy's kernels (kernel_source.hpp)
//   Flatten        a device-to-device copy
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/layers.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "../../error.hpp"
#include "../../layers.hpp"
#include "../../sequential.hpp"
#include "../../summary.hpp"
#include "algorithm.hpp"
#include "error.hpp"
#include "handles.hpp"
#include "memory.hpp"
#include "nvrtc.hpp"
#include "plan.hpp"

namespace cnnbench::backend::cuda {

/// What a layer call knows besides its buffers.
struct device_context {
  cudaStream_t stream = nullptr;
  cudnnHandle_t cudnn = nullptr;
  cublasHandle_t cublas = nullptr;
  const kernel_module* kernels = nullptr;
  memory_tracker* memory = nullptr;       ///< the runner's accounting (layers' own buffers report to it)
  algo_requirements requirements;          ///< deterministic, workspace limit (effective), TF32
  int device = 0;                          ///< CUDA device index (algorithm cache key)
  std::size_t workspace_setting = 0;       ///< the policy's workspace_limit as given (cache key)
  void* workspace = nullptr;               ///< shared cuDNN workspace (the largest workspace_bytes())
  std::size_t workspace_bytes = 0;
  std::uint64_t seed = 0;                  ///< dropout masks
  std::uint64_t step = 0;                  ///< training steps applied so far (dropout masks)
  std::size_t layer = 0;                   ///< index in the flattened model
  std::string_view name;                   ///< "conv_2", for messages
  float* state = nullptr;                  ///< the layer's state (BatchNorm running mean, then variance)
  float* scratch = nullptr;                ///< a buffer the size of the largest activation, free in backward
};

template <class T>
inline constexpr bool dependent_false = false;

/// No GPU implementation: a compile error naming the policy (DESIGN §4).
template <class L, shape In>
struct layer {
  static_assert(dependent_false<L>,
                "cnnbench: no kernel for this layer under exec::cudnn (specialise "
                "cnnbench::backend::cuda::layer<Layer, In> in backend/cuda/layers.hpp)");
};

namespace detail {
inline constexpr float one = 1.0f, zero = 0.0f;

constexpr int as_int(std::size_t v) noexcept { return static_cast<int>(v); }

/// Base of layers with nothing to configure beyond a tensor descriptor of their input (n x In).
template <shape In>
struct described {
  tensor_descriptor desc;
  void configure(device_context&, int n, bool) {
    if (!desc) desc = make_tensor_descriptor();
    set_nchw(desc, n, as_int(In.c), as_int(In.h), as_int(In.w));
  }
  static constexpr std::size_t workspace_bytes() noexcept { return 0; }
};
/// Base of layers without descriptors or buffers.
struct stateless {
  void configure(device_context&, int, bool) {}
  static constexpr std::size_t workspace_bytes() noexcept { return 0; }
};

inline void copy_device(const device_context& ctx, const float* src, float* dst, std::size_t count) {
  if (count) CNNBENCH_CUDA_CHECK(cudaMemcpyAsync(dst, src, count * sizeof(float), cudaMemcpyDeviceToDevice, ctx.stream));
}
}  // namespace detail

// ---- ZeroPad ----------------------------------------------------------------------------------
template <std::size_t P, shape In>
struct layer<ZeroPad<P>, In> : detail::stateless {
  static constexpr shape Out = ZeroPad<P>::template output_shape<In>;
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool) {
    launch::cnb_pad2d(*ctx.kernels, ctx.stream, static_cast<long long>(n) * Out.size(), x, y, detail::as_int(In.h),
                      detail::as_int(In.w), detail::as_int(Out.h), detail::as_int(Out.w), detail::as_int(P), detail::as_int(P));
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    if (!dx) return;
    launch::cnb_crop2d(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), dy, dx, detail::as_int(In.h),
                       detail::as_int(In.w), detail::as_int(Out.h), detail::as_int(Out.w), detail::as_int(P), detail::as_int(P));
  }
};

// ---- Conv -------------------------------------------------------------------------------------
template <std::size_t F, std::size_t K, std::size_t S, padding Pad, shape In>
struct layer<Conv<F, K, S, Pad>, In> {
  using L = Conv<F, K, S, Pad>;
  static constexpr shape Out = L::template output_shape<In>;
  static constexpr conv_plan plan = conv_plan_of<L, In>;
  static_assert(plan.consistent() && plan.out_h == Out.h && plan.out_w == Out.w,
                "cnnbench: internal: the cuDNN plan of this Conv does not give the layer's output shape");
  static constexpr std::size_t weights = F * In.c * K * K;

  /// The algorithms of one batch size.
  struct algorithms {
    bool have_forward = false, have_backward = false;
    algo_choice forward, backward_data, backward_filter;
  };

  filter_descriptor wdesc;
  convolution_descriptor cdesc;
  tensor_descriptor xdesc, ydesc;
  device_buffer<float> padded, dpadded;  // explicit padding only
  std::map<int, algorithms> cache;       // per batch size
  algorithms* current = nullptr;
  int batch_n = 0;  // the configured batch size

  void configure(device_context& ctx, int n, bool training) {
    using detail::as_int;
    if (!cdesc) {
      wdesc = make_filter_descriptor();
      CNNBENCH_CUDA_CHECK(cudnnSetFilter4dDescriptor(wdesc.get(), CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, as_int(F), as_int(In.c),
                                                     as_int(K), as_int(K)));
      cdesc = make_convolution_descriptor();
      CNNBENCH_CUDA_CHECK(cudnnSetConvolution2dDescriptor(cdesc.get(), as_int(plan.cudnn_pad_h), as_int(plan.cudnn_pad_w),
                                                          as_int(S), as_int(S), 1, 1, CUDNN_CROSS_CORRELATION,
                                                          CUDNN_DATA_FLOAT));
      xdesc = make_tensor_descriptor();
      ydesc = make_tensor_descriptor();
      padded.track(ctx.memory);
      dpadded.track(ctx.memory);
    }
    batch_n = n;
    set_nchw(xdesc, n, as_int(In.c), as_int(plan.padded_h), as_int(plan.padded_w));
    set_nchw(ydesc, n, as_int(F), as_int(Out.h), as_int(Out.w));
    int on = 0, oc = 0, oh = 0, ow = 0;  // cuDNN's own view of the output: a self-check of the plan
    CNNBENCH_CUDA_CHECK(cudnnGetConvolution2dForwardOutputDim(cdesc.get(), xdesc.get(), wdesc.get(), &on, &oc, &oh, &ow));
    if (on != n || oc != as_int(F) || oh != as_int(Out.h) || ow != as_int(Out.w))
      throw device_error(std::string(ctx.name) + ": cuDNN computes an output of " + std::to_string(oc) + "x" + std::to_string(oh) +
                         "x" + std::to_string(ow) + ", the layer's is " + cnnbench::to_string(Out));
    const bool first = cache.empty();
    const algorithms* reference = first ? nullptr : &cache.begin()->second;
    algorithms& a = cache[n];
    if (!a.have_forward) {
      a.forward = reuse_or_find(ctx, conv_direction::forward, reference && reference->have_forward ? &reference->forward : nullptr);
      a.have_forward = true;
    }
    if (training && !a.have_backward) {
      const algorithms* ref = nullptr;
      for (const auto& [m, other] : cache)
        if (other.have_backward) {
          ref = &other;
          break;
        }
      a.backward_data = reuse_or_find(ctx, conv_direction::backward_data, ref ? &ref->backward_data : nullptr);
      a.backward_filter = reuse_or_find(ctx, conv_direction::backward_filter, ref ? &ref->backward_filter : nullptr);
      a.have_backward = true;
    }
    if constexpr (plan.explicit_padding) {
      padded.reserve(static_cast<std::size_t>(n) * plan.padded_size());
      if (training) dpadded.reserve(static_cast<std::size_t>(n) * plan.padded_size());
    }
    current = &a;
  }

  std::size_t workspace_bytes() const noexcept {
    if (!current) return 0;
    std::size_t b = current->forward.memory;
    if (current->have_backward) b = std::max({b, current->backward_data.memory, current->backward_filter.memory});
    return b;
  }

  /// "conv_1: forward IMPLICIT_PRECOMP_GEMM (0 B), backward data 1 (...), backward filter 1 (...)"
  std::string describe(std::string_view name) const {
    if (!current) return {};
    auto one = [](conv_direction d, const algo_choice& c) {
      return std::string(to_string(d)) + " " + algorithm_name(d, c.algo) + " (" + std::to_string(c.memory) + " B workspace" +
             (c.time_ms >= 0 ? ", " + std::to_string(c.time_ms) + " ms" : std::string()) + ")";
    };
    std::string s = std::string(name) + (plan.explicit_padding ? " [explicit padding]" : "") + ": " +
                    one(conv_direction::forward, current->forward);
    if (current->have_backward)
      s += ", " + one(conv_direction::backward_data, current->backward_data) + ", " +
           one(conv_direction::backward_filter, current->backward_filter);
    return s;
  }

  void forward(device_context& ctx, const float* x, float* y, int n, const float* w, bool) {
    const float* in = x;
    if constexpr (plan.explicit_padding) {
      launch::cnb_pad2d(*ctx.kernels, ctx.stream, static_cast<long long>(n) * plan.padded_size(), x, padded.data(),
                        detail::as_int(In.h), detail::as_int(In.w), detail::as_int(plan.padded_h), detail::as_int(plan.padded_w),
                        detail::as_int(plan.pad_top), detail::as_int(plan.pad_left));
      in = padded.data();
    }
    CNNBENCH_CUDA_CHECK(cudnnSetConvolutionMathType(cdesc.get(), current->forward.math));
    CNNBENCH_CUDA_CHECK(cudnnConvolutionForward(ctx.cudnn, &detail::one, xdesc.get(), in, wdesc.get(), w, cdesc.get(),
                                                static_cast<cudnnConvolutionFwdAlgo_t>(current->forward.algo), ctx.workspace,
                                                ctx.workspace_bytes, &detail::zero, ydesc.get(), y));
    launch::cnb_add_bias(*ctx.kernels, ctx.stream, static_cast<long long>(n) * Out.size(), y, w + weights, detail::as_int(F),
                         detail::as_int(Out.h * Out.w));
  }

  void backward(device_context& ctx, const float* x, const float*, const float* dy, float* dx, int n, const float* w, float* dw) {
    const float* in = plan.explicit_padding ? padded.data() : x;  // the training forward's (padded) input
    CNNBENCH_CUDA_CHECK(cudnnSetConvolutionMathType(cdesc.get(), current->backward_filter.math));
    CNNBENCH_CUDA_CHECK(cudnnConvolutionBackwardFilter(ctx.cudnn, &detail::one, xdesc.get(), in, ydesc.get(), dy, cdesc.get(),
                                                       static_cast<cudnnConvolutionBwdFilterAlgo_t>(current->backward_filter.algo),
                                                       ctx.workspace, ctx.workspace_bytes, &detail::zero, wdesc.get(), dw));
    launch::cnb_channel_sum(*ctx.kernels, ctx.stream, static_cast<unsigned>(F), dy, dw + weights, n, detail::as_int(F),
                            detail::as_int(Out.h * Out.w));
    if (!dx) return;
    float* target = plan.explicit_padding ? dpadded.data() : dx;
    CNNBENCH_CUDA_CHECK(cudnnSetConvolutionMathType(cdesc.get(), current->backward_data.math));
    CNNBENCH_CUDA_CHECK(cudnnConvolutionBackwardData(ctx.cudnn, &detail::one, wdesc.get(), w, ydesc.get(), dy, cdesc.get(),
                                                     static_cast<cudnnConvolutionBwdDataAlgo_t>(current->backward_data.algo),
                                                     ctx.workspace, ctx.workspace_bytes, &detail::zero, xdesc.get(), target));
    if constexpr (plan.explicit_padding)
      launch::cnb_crop2d(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), dpadded.data(), dx,
                         detail::as_int(In.h), detail::as_int(In.w), detail::as_int(plan.padded_h), detail::as_int(plan.padded_w),
                         detail::as_int(plan.pad_top), detail::as_int(plan.pad_left));
  }

 private:
  /// The reference algorithm (chosen for another batch size) when cuDNN accepts it for this one
  /// within the limit, else a search (cudnnFind*, then the v7 heuristics).
  algo_choice reuse_or_find(device_context& ctx, conv_direction d, const algo_choice* reference) {
    if (reference) {
      std::size_t bytes = 0;
      CNNBENCH_CUDA_CHECK(cudnnSetConvolutionMathType(cdesc.get(), reference->math));
      cudnnStatus_t s = CUDNN_STATUS_SUCCESS;
      switch (d) {
        case conv_direction::forward:
          s = cudnnGetConvolutionForwardWorkspaceSize(ctx.cudnn, xdesc.get(), wdesc.get(), cdesc.get(), ydesc.get(),
                                                      static_cast<cudnnConvolutionFwdAlgo_t>(reference->algo), &bytes);
          break;
        case conv_direction::backward_data:
          s = cudnnGetConvolutionBackwardDataWorkspaceSize(ctx.cudnn, wdesc.get(), ydesc.get(), cdesc.get(), xdesc.get(),
                                                           static_cast<cudnnConvolutionBwdDataAlgo_t>(reference->algo), &bytes);
          break;
        case conv_direction::backward_filter:
          s = cudnnGetConvolutionBackwardFilterWorkspaceSize(ctx.cudnn, xdesc.get(), ydesc.get(), cdesc.get(), wdesc.get(),
                                                             static_cast<cudnnConvolutionBwdFilterAlgo_t>(reference->algo),
                                                             &bytes);
          break;
      }
      if (s == CUDNN_STATUS_SUCCESS && (ctx.requirements.workspace_limit == 0 || bytes <= ctx.requirements.workspace_limit))
        return {reference->algo, bytes, reference->math, -1.0f};
    }
    return find(ctx, d);
  }

  /// Everything a choice depends on.
  std::string cache_key(const device_context& ctx, conv_direction d) const {
    std::string k = "conv";
    for (std::size_t v : {static_cast<std::size_t>(ctx.device), static_cast<std::size_t>(d), static_cast<std::size_t>(batch_n),
                          In.c, plan.padded_h, plan.padded_w, F, K, S, plan.cudnn_pad_h, plan.cudnn_pad_w,
                          static_cast<std::size_t>(ctx.requirements.deterministic),
                          static_cast<std::size_t>(ctx.requirements.allow_tf32), ctx.workspace_setting}) {
      k.push_back('|');
      k.append(std::to_string(v));
    }
    return k;
  }

  /// A search, unless this process already made it (algorithm_cache).
  algo_choice find(device_context& ctx, conv_direction d) {
    const std::string key = cache_key(ctx, d);
    if (const auto c = algorithm_cache::find(key);
        c && (ctx.requirements.workspace_limit == 0 || c->memory <= ctx.requirements.workspace_limit))
      return *c;
    const algo_choice c = search_and_choose(ctx, d);
    algorithm_cache::store(key, c);
    return c;
  }

  algo_choice search_and_choose(device_context& ctx, conv_direction d) {
    // The math type searched: tensor-op math only when TF32 is allowed (FMA_MATH keeps FP32 exact).
    CNNBENCH_CUDA_CHECK(
        cudnnSetConvolutionMathType(cdesc.get(), ctx.requirements.allow_tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));
    std::vector<algo_candidate> found = search(ctx, d, /*measure=*/true);
    const std::string what = std::string(ctx.name) + " " + std::string(to_string(d));
    for (const auto& c : found)
      if (rejection(c, ctx.requirements).empty()) return choose_algorithm(found, ctx.requirements, what, d);
    auto heuristic = search(ctx, d, /*measure=*/false);
    for (auto& c : heuristic) c.time_ms = -1.0f;
    found.insert(found.end(), heuristic.begin(), heuristic.end());
    return choose_algorithm(found, ctx.requirements, what, d);
  }

  std::vector<algo_candidate> search(device_context& ctx, conv_direction d, bool measure) {
    int returned = 0;
    switch (d) {
      case conv_direction::forward: {
        cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
        if (measure)
          CNNBENCH_CUDA_CHECK(cudnnFindConvolutionForwardAlgorithm(ctx.cudnn, xdesc.get(), wdesc.get(), cdesc.get(), ydesc.get(),
                                                                   CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf));
        else
          CNNBENCH_CUDA_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(ctx.cudnn, xdesc.get(), wdesc.get(), cdesc.get(),
                                                                     ydesc.get(), CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned,
                                                                     perf));
        return candidates_from(perf, returned);
      }
      case conv_direction::backward_data: {
        cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
        if (measure)
          CNNBENCH_CUDA_CHECK(cudnnFindConvolutionBackwardDataAlgorithm(ctx.cudnn, wdesc.get(), ydesc.get(), cdesc.get(),
                                                                        xdesc.get(), CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                                                                        &returned, perf));
        else
          CNNBENCH_CUDA_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(ctx.cudnn, wdesc.get(), ydesc.get(), cdesc.get(),
                                                                          xdesc.get(), CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                                                                          &returned, perf));
        return candidates_from(perf, returned);
      }
      default: {
        cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
        if (measure)
          CNNBENCH_CUDA_CHECK(cudnnFindConvolutionBackwardFilterAlgorithm(ctx.cudnn, xdesc.get(), ydesc.get(), cdesc.get(),
                                                                          wdesc.get(), CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                                          &returned, perf));
        else
          CNNBENCH_CUDA_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(ctx.cudnn, xdesc.get(), ydesc.get(), cdesc.get(),
                                                                            wdesc.get(), CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                                            &returned, perf));
        return candidates_from(perf, returned);
      }
    }
  }
};

// ---- pooling (the policy's kernels; see plan.hpp for why not cuDNN) ------------------------------
template <std::size_t K, std::size_t S, shape In>
struct layer<MaxPool<K, S>, In> {
  static constexpr shape Out = MaxPool<K, S>::template output_shape<In>;
  static constexpr pool_plan plan = pool_plan_of<MaxPool<K, S>, In>;
  device_buffer<int> argmax;  // training: the first maximum of each window (index in its plane)

  void configure(device_context& ctx, int n, bool training) {
    argmax.track(ctx.memory);
    if (training) argmax.reserve(static_cast<std::size_t>(n) * Out.size());
  }
  static constexpr std::size_t workspace_bytes() noexcept { return 0; }
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool training) {
    using detail::as_int;
    launch::cnb_maxpool_fwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * Out.size(), x, y,
                            training ? argmax.data() : nullptr, as_int(In.h), as_int(In.w), as_int(Out.h), as_int(Out.w),
                            as_int(K), as_int(S));
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    using detail::as_int;
    if (!dx) return;
    launch::cnb_maxpool_bwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), dy, argmax.data(), dx,
                            as_int(In.h), as_int(In.w), as_int(Out.h), as_int(Out.w), as_int(K), as_int(S));
  }
};

template <std::size_t K, std::size_t S, shape In>
struct layer<AvgPool<K, S>, In> : detail::stateless {
  static constexpr shape Out = AvgPool<K, S>::template output_shape<In>;
  static constexpr float inv = 1.0f / static_cast<float>(K * K);  // as eigen_cpu
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool) {
    using detail::as_int;
    launch::cnb_avgpool_fwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * Out.size(), x, y, as_int(In.h), as_int(In.w),
                            as_int(Out.h), as_int(Out.w), as_int(K), as_int(S), inv);
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    using detail::as_int;
    if (!dx) return;
    launch::cnb_avgpool_bwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), dy, dx, as_int(In.h),
                            as_int(In.w), as_int(Out.h), as_int(Out.w), as_int(K), as_int(S), inv);
  }
};

template <shape In>
struct layer<GlobalAvgPool, In> : detail::stateless {
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool) {
    launch::cnb_gap_fwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.c, x, y, detail::as_int(In.h * In.w));
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    if (!dx) return;
    launch::cnb_gap_bwd(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), dy, dx, detail::as_int(In.h * In.w));
  }
};

// ---- activations and Softmax (cuDNN) -------------------------------------------------------------
namespace detail {
template <shape In, cudnnActivationMode_t Mode>
struct activation : described<In> {
  activation_descriptor act;
  void configure(device_context& ctx, int n, bool training) {
    if (!act) act = make_activation_descriptor(Mode);
    described<In>::configure(ctx, n, training);
  }
  void forward(device_context& ctx, const float* x, float* y, int, const float*, bool) {
    CNNBENCH_CUDA_CHECK(cudnnActivationForward(ctx.cudnn, act.get(), &one, this->desc.get(), x, &zero, this->desc.get(), y));
  }
  void backward(device_context& ctx, const float* x, const float* y, const float* dy, float* dx, int, const float*, float*) {
    if (!dx) return;
    CNNBENCH_CUDA_CHECK(cudnnActivationBackward(ctx.cudnn, act.get(), &one, this->desc.get(), y, this->desc.get(), dy,
                                                this->desc.get(), x, &zero, this->desc.get(), dx));
  }
};
}  // namespace detail

template <shape In>
struct layer<ReLU, In> : detail::activation<In, CUDNN_ACTIVATION_RELU> {};
template <shape In>
struct layer<Sigmoid, In> : detail::activation<In, CUDNN_ACTIVATION_SIGMOID> {};
template <shape In>
struct layer<Tanh, In> : detail::activation<In, CUDNN_ACTIVATION_TANH> {};

template <shape In>
struct layer<Softmax, In> : detail::described<In> {
  void forward(device_context& ctx, const float* x, float* y, int, const float*, bool) {
    CNNBENCH_CUDA_CHECK(cudnnSoftmaxForward(ctx.cudnn, CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_CHANNEL, &detail::one,
                                            this->desc.get(), x, &detail::zero, this->desc.get(), y));
  }
  void backward(device_context& ctx, const float*, const float* y, const float* dy, float* dx, int, const float*, float*) {
    if (!dx) return;
    CNNBENCH_CUDA_CHECK(cudnnSoftmaxBackward(ctx.cudnn, CUDNN_SOFTMAX_ACCURATE, CUDNN_SOFTMAX_MODE_CHANNEL, &detail::one,
                                             this->desc.get(), y, this->desc.get(), dy, &detail::zero, this->desc.get(), dx));
  }
};

// ---- Dropout (eigen_cpu's mask, see kernel_source.hpp) -------------------------------------------
template <real Rate, shape In>
struct layer<Dropout<Rate>, In> : detail::stateless {
  static constexpr double rate = Rate.value();
  static constexpr float scale = rate < 1.0 ? static_cast<float>(1.0 / (1.0 - rate)) : 0.0f;       // as eigen_cpu
  static constexpr std::uint64_t threshold = static_cast<std::uint64_t>(rate * 4294967296.0);     // as eigen_cpu
  static void apply(device_context& ctx, const float* in, float* out, int n) {
    launch::cnb_dropout(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), in, out,
                        static_cast<unsigned long long>(dropout_key(ctx.seed, ctx.step, ctx.layer)),
                        static_cast<unsigned long long>(threshold), scale);
  }
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool training) {
    if (!training || rate == 0.0) detail::copy_device(ctx, x, y, static_cast<std::size_t>(n) * In.size());
    else apply(ctx, x, y, n);
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    if (!dx) return;
    if (rate == 0.0) detail::copy_device(ctx, dy, dx, static_cast<std::size_t>(n) * In.size());
    else apply(ctx, dy, dx, n);
  }
};

// ---- Flatten ------------------------------------------------------------------------------------
template <shape In>
struct layer<Flatten, In> : detail::stateless {
  void forward(device_context& ctx, const float* x, float* y, int n, const float*, bool) {
    detail::copy_device(ctx, x, y, static_cast<std::size_t>(n) * In.size());
  }
  void backward(device_context& ctx, const float*, const float*, const float* dy, float* dx, int n, const float*, float*) {
    if (dx) detail::copy_device(ctx, dy, dx, static_cast<std::size_t>(n) * In.size());
  }
};

// ---- Dense (cuBLAS) -------------------------------------------------------------------------------
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

template <std::size_t U, shape In>
struct layer<Dense<U>, In> : detail::stateless {
  static constexpr int I = static_cast<int>(In.c), Ui = static_cast<int>(U);
  void forward(device_context& ctx, const float* x, float* y, int n, const float* w, bool) {
    run_gemm(ctx.cublas, dense_gemm::forward(x, w, y, n, I, Ui));
    launch::cnb_add_bias(*ctx.kernels, ctx.stream, static_cast<long long>(n) * U, y, w + U * In.c, Ui, 1);
  }
  void backward(device_context& ctx, const float* x, const float*, const float* dy, float* dx, int n, const float* w, float* dw) {
    run_gemm(ctx.cublas, dense_gemm::weight_gradient(x, dy, dw, n, I, Ui));
    launch::cnb_channel_sum(*ctx.kernels, ctx.stream, static_cast<unsigned>(U), dy, dw + U * In.c, n, Ui, 1);
    if (dx) run_gemm(ctx.cublas, dense_gemm::input_gradient(w, dy, dx, n, I, Ui));
  }
};

// ---- BatchNorm (cuDNN) ----------------------------------------------------------------------------
template <real Eps, real Momentum, shape In>
struct layer<BatchNorm<Eps, Momentum>, In> : detail::described<In> {
  static constexpr int C = static_cast<int>(In.c);
  static constexpr double eps = Eps.value(), momentum = Momentum.value();
  tensor_descriptor bn;  // 1 x C x 1 x 1: gamma, beta, running and saved statistics
  device_buffer<float> saved_mean, saved_invstd;

  void configure(device_context& ctx, int n, bool training) {
    if (eps < CUDNN_BN_MIN_EPSILON)
      throw value_error(std::string(ctx.name) + ": BatchNorm epsilon " + std::to_string(eps) + " is below cuDNN's minimum " +
                        std::to_string(CUDNN_BN_MIN_EPSILON));
    detail::described<In>::configure(ctx, n, training);
    if (!bn) {
      bn = make_tensor_descriptor();
      CNNBENCH_CUDA_CHECK(cudnnDeriveBNTensorDescriptor(bn.get(), this->desc.get(), CUDNN_BATCHNORM_SPATIAL));
      saved_mean.track(ctx.memory);
      saved_invstd.track(ctx.memory);
      saved_mean.reserve(In.c);
      saved_invstd.reserve(In.c);
    }
  }
  void forward(device_context& ctx, const float* x, float* y, int, const float* w, bool training) {
    const auto d = this->desc.get();
    if (training)
      CNNBENCH_CUDA_CHECK(cudnnBatchNormalizationForwardTraining(ctx.cudnn, CUDNN_BATCHNORM_SPATIAL, &detail::one, &detail::zero,
                                                                 d, x, d, y, bn.get(), w, w + C, momentum, ctx.state,
                                                                 ctx.state + C, eps, saved_mean.data(), saved_invstd.data()));
    else
      CNNBENCH_CUDA_CHECK(cudnnBatchNormalizationForwardInference(ctx.cudnn, CUDNN_BATCHNORM_SPATIAL, &detail::one,
                                                                  &detail::zero, d, x, d, y, bn.get(), w, w + C, ctx.state,
                                                                  ctx.state + C, eps));
  }
  void backward(device_context& ctx, const float* x, const float*, const float* dy, float* dx, int, const float* w, float* dw) {
    const auto d = this->desc.get();
    // cuDNN always writes dx; the first layer's goes to the scratch buffer.
    CNNBENCH_CUDA_CHECK(cudnnBatchNormalizationBackward(ctx.cudnn, CUDNN_BATCHNORM_SPATIAL, &detail::one, &detail::zero,
                                                        &detail::one, &detail::zero, d, x, d, dy, d, dx ? dx : ctx.scratch,
                                                        bn.get(), w, dw, dw + C, eps, saved_mean.data(), saved_invstd.data()));
  }
};

}  // namespace cnnbench::backend::cuda
