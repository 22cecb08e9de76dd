// cnnbench/backend/cuda/memory.hpp: device and pinned host buffers, and the accounting behind
// runner::peak_device_bytes().
//
// device_buffer<T>  n elements of device memory (cudaMalloc), move-only, freed in its destructor.
//                   Every allocation and free is reported to a memory_tracker, which keeps the
//                   current and the peak number of bytes a runner holds (its own allocations only:
//                   not the CUDA context, not the libraries' internal memory).
// pinned_buffer<T>  n elements of page-locked host memory (cudaMallocHost), the staging area of
//                   every host<->device transfer of a training step (asynchronous copies need it).
// Both grow only (reserve(n) keeps the buffer when it is large enough, else reallocates without
// keeping the contents). Reallocating a buffer that queued work still uses is the caller's
// responsibility: the runner synchronises its stream first.
// Thread safety: none (a runner's buffers are used by its caller thread).
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/memory.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstddef>
#include <span>
#include <utility>

#include "error.hpp"

namespace cnnbench::backend::cuda {

/// Current and peak bytes of the device allocations made through it.
class memory_tracker {
 public:
  void allocated(std::size_t bytes) noexcept {
    current_ += bytes;
    peak_ = std::max(peak_, current_);
  }
  void freed(std::size_t bytes) noexcept { current_ -= std::min(bytes, current_); }
  std::size_t current() const noexcept { return current_; }
  std::size_t peak() const noexcept { return peak_; }

 private:
  std::size_t current_ = 0, peak_ = 0;
};

/// n elements of T in device memory (uninitialised).
template <class T>
class device_buffer {
 public:
  device_buffer() = default;
  explicit device_buffer(memory_tracker* tracker) noexcept : tracker_(tracker) {}
  device_buffer(memory_tracker* tracker, std::size_t n) : tracker_(tracker) { reserve(n); }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;
  device_buffer(device_buffer&& o) noexcept
      : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)), tracker_(o.tracker_) {}
  device_buffer& operator=(device_buffer&& o) noexcept {
    if (this != &o) {
      release();
      p_ = std::exchange(o.p_, nullptr);
      n_ = std::exchange(o.n_, 0);
      tracker_ = o.tracker_;
    }
    return *this;
  }
  ~device_buffer() { release(); }

  /// Reports this buffer's allocations to `tracker` from now on (set it before the first reserve).
  void track(memory_tracker* tracker) noexcept {
    if (!p_) tracker_ = tracker;
  }
  /// Ensures room for n elements; reallocates (contents lost) only when it has fewer.
  void reserve(std::size_t n) {
    if (n <= n_) return;
    release();
    void* p = nullptr;
    CNNBENCH_CUDA_CHECK(cudaMalloc(&p, n * sizeof(T)));
    p_ = static_cast<T*>(p);
    n_ = n;
    if (tracker_) tracker_->allocated(n * sizeof(T));
  }
  void release() noexcept {
    if (!p_) return;
    cudaFree(p_);
    if (tracker_) tracker_->freed(n_ * sizeof(T));
    p_ = nullptr;
    n_ = 0;
  }
  T* data() const noexcept { return p_; }
  std::size_t size() const noexcept { return n_; }
  std::size_t bytes() const noexcept { return n_ * sizeof(T); }
  bool empty() const noexcept { return n_ == 0; }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
  memory_tracker* tracker_ = nullptr;
};

/// n elements of T in page-locked host memory (uninitialised).
template <class T>
class pinned_buffer {
 public:
  pinned_buffer() = default;
  pinned_buffer(const pinned_buffer&) = delete;
  pinned_buffer& operator=(const pinned_buffer&) = delete;
  pinned_buffer(pinned_buffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), n_(std::exchange(o.n_, 0)) {}
  pinned_buffer& operator=(pinned_buffer&& o) noexcept {
    if (this != &o) {
      release();
      p_ = std::exchange(o.p_, nullptr);
      n_ = std::exchange(o.n_, 0);
    }
    return *this;
  }
  ~pinned_buffer() { release(); }

  void reserve(std::size_t n) {
    if (n <= n_) return;
    release();
    void* p = nullptr;
    CNNBENCH_CUDA_CHECK(cudaMallocHost(&p, n * sizeof(T)));
    p_ = static_cast<T*>(p);
    n_ = n;
  }
  void release() noexcept {
    if (p_) cudaFreeHost(p_);
    p_ = nullptr;
    n_ = 0;
  }
  T* data() const noexcept { return p_; }
  std::size_t size() const noexcept { return n_; }
  std::span<T> span(std::size_t n) const noexcept { return {p_, std::min(n, n_)}; }

 private:
  T* p_ = nullptr;
  std::size_t n_ = 0;
};

}  // namespace cnnbench::backend::cuda
