// cnnbench/backend/cuda/handles.hpp: owning wrappers of the CUDA, cuDNN and cuBLAS objects the
// cuDNN policy creates (stream, library handles, descriptors), and a device guard.
//
// Ownership: a runner owns one stream, one cuDNN handle and one cuBLAS handle, both bound to that
// stream (so everything a runner enqueues is ordered on it), and the descriptors of its layers.
// Each wrapper is move-only and releases its object in its destructor (errors there are ignored:
// a destructor must not throw). Creating one may throw cuda_error.
// Thread safety: an object is used by one thread at a time (as cuDNN and cuBLAS require of handles).
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/handles.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <utility>

#include "error.hpp"

namespace cnnbench::backend::cuda {

/// A move-only owner of a handle H released by Release (a function object type).
template <class H, class Release>
class unique_handle {
 public:
  unique_handle() = default;
  explicit unique_handle(H h) noexcept : h_(h) {}
  unique_handle(const unique_handle&) = delete;
  unique_handle& operator=(const unique_handle&) = delete;
  unique_handle(unique_handle&& o) noexcept : h_(std::exchange(o.h_, H{})) {}
  unique_handle& operator=(unique_handle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, H{});
    }
    return *this;
  }
  ~unique_handle() { reset(); }
  H get() const noexcept { return h_; }
  explicit operator bool() const noexcept { return h_ != H{}; }
  void reset() noexcept {
    if (h_ != H{}) Release{}(h_);
    h_ = H{};
  }

 private:
  H h_{};
};

namespace detail {
struct stream_release {
  void operator()(cudaStream_t s) const noexcept { cudaStreamDestroy(s); }
};
struct event_release {
  void operator()(cudaEvent_t e) const noexcept { cudaEventDestroy(e); }
};
struct cudnn_release {
  void operator()(cudnnHandle_t h) const noexcept { cudnnDestroy(h); }
};
struct cublas_release {
  void operator()(cublasHandle_t h) const noexcept { cublasDestroy(h); }
};
struct tensor_desc_release {
  void operator()(cudnnTensorDescriptor_t d) const noexcept { cudnnDestroyTensorDescriptor(d); }
};
struct filter_desc_release {
  void operator()(cudnnFilterDescriptor_t d) const noexcept { cudnnDestroyFilterDescriptor(d); }
};
struct conv_desc_release {
  void operator()(cudnnConvolutionDescriptor_t d) const noexcept { cudnnDestroyConvolutionDescriptor(d); }
};
struct activation_desc_release {
  void operator()(cudnnActivationDescriptor_t d) const noexcept { cudnnDestroyActivationDescriptor(d); }
};
}  // namespace detail

using stream_handle = unique_handle<cudaStream_t, detail::stream_release>;
using event_handle = unique_handle<cudaEvent_t, detail::event_release>;
using cudnn_handle = unique_handle<cudnnHandle_t, detail::cudnn_release>;
using cublas_handle = unique_handle<cublasHandle_t, detail::cublas_release>;
using tensor_descriptor = unique_handle<cudnnTensorDescriptor_t, detail::tensor_desc_release>;
using filter_descriptor = unique_handle<cudnnFilterDescriptor_t, detail::filter_desc_release>;
using convolution_descriptor = unique_handle<cudnnConvolutionDescriptor_t, detail::conv_desc_release>;
using activation_descriptor = unique_handle<cudnnActivationDescriptor_t, detail::activation_desc_release>;

/// A non-blocking stream (no implicit synchronisation with the legacy default stream).
inline stream_handle make_stream() {
  cudaStream_t s = nullptr;
  CNNBENCH_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  return stream_handle(s);
}
inline event_handle make_event() {
  cudaEvent_t e = nullptr;
  CNNBENCH_CUDA_CHECK(cudaEventCreate(&e));
  return event_handle(e);
}
/// A cuDNN handle whose work goes to `stream`.
inline cudnn_handle make_cudnn(cudaStream_t stream) {
  cudnnHandle_t h = nullptr;
  CNNBENCH_CUDA_CHECK(cudnnCreate(&h));
  cudnn_handle owned(h);
  CNNBENCH_CUDA_CHECK(cudnnSetStream(h, stream));
  return owned;
}
/// A cuBLAS handle whose work goes to `stream`; TF32 tensor-op math only when allow_tf32
/// (CUBLAS_DEFAULT_MATH otherwise: full FP32).
inline cublas_handle make_cublas(cudaStream_t stream, bool allow_tf32) {
  cublasHandle_t h = nullptr;
  CNNBENCH_CUDA_CHECK(cublasCreate(&h));
  cublas_handle owned(h);
  CNNBENCH_CUDA_CHECK(cublasSetStream(h, stream));
  CNNBENCH_CUDA_CHECK(cublasSetMathMode(h, allow_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  return owned;
}
inline tensor_descriptor make_tensor_descriptor() {
  cudnnTensorDescriptor_t d = nullptr;
  CNNBENCH_CUDA_CHECK(cudnnCreateTensorDescriptor(&d));
  return tensor_descriptor(d);
}
/// A float32 NCHW tensor descriptor n x c x h x w.
inline void set_nchw(const tensor_descriptor& d, int n, int c, int h, int w) {
  CNNBENCH_CUDA_CHECK(cudnnSetTensor4dDescriptor(d.get(), CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n, c, h, w));
}
inline filter_descriptor make_filter_descriptor() {
  cudnnFilterDescriptor_t d = nullptr;
  CNNBENCH_CUDA_CHECK(cudnnCreateFilterDescriptor(&d));
  return filter_descriptor(d);
}
inline convolution_descriptor make_convolution_descriptor() {
  cudnnConvolutionDescriptor_t d = nullptr;
  CNNBENCH_CUDA_CHECK(cudnnCreateConvolutionDescriptor(&d));
  return convolution_descriptor(d);
}
inline activation_descriptor make_activation_descriptor(cudnnActivationMode_t mode) {
  cudnnActivationDescriptor_t d = nullptr;
  CNNBENCH_CUDA_CHECK(cudnnCreateActivationDescriptor(&d));
  activation_descriptor owned(d);
  CNNBENCH_CUDA_CHECK(cudnnSetActivationDescriptor(d, mode, CUDNN_PROPAGATE_NAN, 0.0));
  return owned;
}

/// Makes `device` current for its lifetime and restores the caller's device afterwards, so that a
/// runner can be used from a thread whose current device is another one.
class device_guard {
 public:
  explicit device_guard(int device) {
    int current = -1;
    CNNBENCH_CUDA_CHECK(cudaGetDevice(&current));
    if (current != device) {
      CNNBENCH_CUDA_CHECK(cudaSetDevice(device));
      previous_ = current;
    }
  }
  device_guard(const device_guard&) = delete;
  device_guard& operator=(const device_guard&) = delete;
  ~device_guard() {
    if (previous_ >= 0) cudaSetDevice(previous_);
  }

 private:
  int previous_ = -1;
};

}  // namespace cnnbench::backend::cuda
