// cnnbench/backend/eigen/thread_pool.hpp: a fixed team of threads for the Eigen CPU policy.
//
// run(f) calls f(t) once on each of the team's threads t = 0..size()-1 (the caller is thread 0)
// and returns when all are done; an exception thrown by any of them is rethrown by run().
// barrier() synchronises the team inside a run (BatchNorm needs whole-batch statistics).
// Workers spin briefly before sleeping (std::atomic::wait), because a training step issues
// many short runs. Static work split => the same thread count gives bit-identical results.
#pragma once
#include <atomic>
#include <barrier>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__)
#include <immintrin.h>
#define CNNBENCH_CPU_RELAX() _mm_pause()
#else
#define CNNBENCH_CPU_RELAX() ((void)0)
#endif

namespace cnnbench::backend::eigen {

class thread_pool {
 public:
  /// A team of `threads` threads (>= 1) including the caller.
  explicit thread_pool(int threads) : size_(threads < 1 ? 1 : threads), barrier_(size_) {
    for (int t = 1; t < size_; ++t) workers_.emplace_back([this, t] { work(t); });
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  ~thread_pool() {
    stop_.store(true, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
  }

  int size() const noexcept { return size_; }

  /// Runs f(t) for every thread t of the team; rethrows the first exception.
  void run(const std::function<void(int)>& f) {
    if (size_ == 1) {
      f(0);
      return;
    }
    task_ = &f;
    error_ = nullptr;
    pending_.store(size_ - 1, std::memory_order_release);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    generation_.notify_all();
    try {
      f(0);
    } catch (...) {
      record(std::current_exception());
    }
    for (int i = 0; i < spin_iterations && pending_.load(std::memory_order_acquire) != 0; ++i) CNNBENCH_CPU_RELAX();
    for (int p; (p = pending_.load(std::memory_order_acquire)) != 0;) pending_.wait(p, std::memory_order_acquire);
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

  /// Waits until every thread of the team reached this point (only inside run()).
  void barrier() { barrier_.arrive_and_wait(); }

  /// [begin, end) of `n` items for thread t: contiguous, balanced, fixed.
  static std::pair<std::size_t, std::size_t> split(std::size_t n, int t, int threads) noexcept {
    return {n * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads),
            n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads)};
  }

 private:
  static constexpr int spin_iterations = 20000;
  void record(std::exception_ptr e) {
    std::lock_guard lock(error_mutex_);
    if (!error_) error_ = e;
  }
  void work(int t) {
    std::uint64_t seen = 0;
    for (;;) {
      std::uint64_t g = generation_.load(std::memory_order_acquire);
      for (int i = 0; i < spin_iterations && g == seen; ++i) {
        CNNBENCH_CPU_RELAX();
        g = generation_.load(std::memory_order_acquire);
      }
      while (g == seen) {
        generation_.wait(seen, std::memory_order_acquire);
        g = generation_.load(std::memory_order_acquire);
      }
      seen = g;
      if (stop_.load(std::memory_order_acquire)) return;
      try {
        (*task_)(t);
      } catch (...) {
        record(std::current_exception());
      }
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
    }
  }

  int size_;
  std::barrier<> barrier_;
  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(int)>* task_ = nullptr;
  std::exception_ptr error_;
  std::mutex error_mutex_;
};

}  // namespace cnnbench::backend::eigen
