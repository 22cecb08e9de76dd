// cnnbench/backend/cuda/conv.hpp: Conv under exec::cudnn.
//
// cuDNN forward / backward data / backward filter with the algorithms of algorithm.hpp (searched per
// batch size, reused across batch sizes when cuDNN accepts them, cached per process), explicit
// padding when it is uneven (plan.hpp), the bias add and bias gradient on the policy's kernels.
// Conv<..., no_bias> has no bias tensor: no bias add, no bias gradient. The bias sits where the
// layer's specs put it (tensor_offset, backend/specs.hpp).
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/conv.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "algorithm.hpp"
#include "kernel.hpp"
#include "plan.hpp"

namespace cnnbench::backend::cuda {

template <std::size_t F, std::size_t K, std::size_t S, padding Pad, bias B, shape In>
struct kernel<Conv<F, K, S, Pad, B>, In> {
  using L = Conv<F, K, S, Pad, B>;
  static constexpr shape Out = L::template output_shape<In>;
  static constexpr conv_plan plan = conv_plan_of<L, In>;
  static_assert(plan.consistent() && plan.out_h == Out.h && plan.out_w == Out.w,
                "cnnbench: internal: the cuDNN plan of this Conv does not give the layer's output shape");

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
    if constexpr (L::has_bias)
      launch::cnb_add_bias(*ctx.kernels, ctx.stream, static_cast<long long>(n) * Out.size(), y,
                           w + tensor_offset<L, In>(param_role::bias), detail::as_int(F), detail::as_int(Out.h * Out.w));
  }

  void backward(device_context& ctx, const float* x, const float*, const float* dy, float* dx, int n, const float* w, float* dw) {
    const float* in = plan.explicit_padding ? padded.data() : x;  // the training forward's (padded) input
    CNNBENCH_CUDA_CHECK(cudnnSetConvolutionMathType(cdesc.get(), current->backward_filter.math));
    CNNBENCH_CUDA_CHECK(cudnnConvolutionBackwardFilter(ctx.cudnn, &detail::one, xdesc.get(), in, ydesc.get(), dy, cdesc.get(),
                                                       static_cast<cudnnConvolutionBwdFilterAlgo_t>(current->backward_filter.algo),
                                                       ctx.workspace, ctx.workspace_bytes, &detail::zero, wdesc.get(), dw));
    if constexpr (L::has_bias)
      launch::cnb_channel_sum(*ctx.kernels, ctx.stream, static_cast<unsigned>(F), dy, dw + tensor_offset<L, In>(param_role::bias),
                              n, detail::as_int(F), detail::as_int(Out.h * Out.w));
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
      if (conv_workspace_size(problem(ctx), d, reference->algo, bytes) == CUDNN_STATUS_SUCCESS &&
          (ctx.requirements.workspace_limit == 0 || bytes <= ctx.requirements.workspace_limit))
        return {reference->algo, bytes, reference->math, -1.0f};
    }
    return find(ctx, d);
  }

  conv_problem problem(const device_context& ctx) const {
    return {ctx.cudnn, xdesc.get(), wdesc.get(), cdesc.get(), ydesc.get()};
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
    const algo_choice c = search_and_choose(problem(ctx), d, ctx.requirements, std::string(ctx.name) + " " + std::string(to_string(d)));
    algorithm_cache::store(key, c);
    return c;
  }
};

}  // namespace cnnbench::backend::cuda
