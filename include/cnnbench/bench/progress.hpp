// cnnbench/bench/progress.hpp: the progress line of long runs, on stderr.
//
//   [eigen_cpu | Adam 1e-3 | trial 2/3] epoch 3/4  batch 512/938  loss 0.2712  8,421 img/s  ETA 0:01:12
//
// Rewritten in place (carriage return) at most 10 times a second. Quiet when stderr is not a
// terminal (logs, CI) or when the caller asks for quiet. The ETA assumes the images per second seen
// so far hold for the images still to train in the whole run.
#pragma once
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

#include "metrics.hpp"

namespace cnnbench::bench {

class progress_line {
 public:
  /// total_images: images the whole run will train on (all policies, arms, trials, epochs).
  progress_line(bool quiet, std::size_t total_images)
      : enabled_(!quiet && isatty(STDERR_FILENO)), total_(total_images), start_(clock::now()) {}

  bool enabled() const noexcept { return enabled_; }

  /// After a training step: `context` names policy/arm/trial; done = images trained so far in the run.
  void update(const std::string& context, std::size_t epoch, std::size_t epochs, std::size_t batch, std::size_t batches,
              double loss, double images_per_second, std::size_t done) {
    if (!enabled_) return;
    const auto now = clock::now();
    if (batch != batches && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : 0;
    std::fprintf(stderr, "\r\033[K[%s] epoch %zu/%zu  batch %zu/%zu  loss %.4f  %.0f img/s  ETA %s", context.c_str(), epoch,
                 epochs, batch, batches, loss, images_per_second, hms(eta).c_str());
    std::fflush(stderr);
    dirty_ = true;
  }
  /// Clears the line (before printing something else).
  void clear() {
    if (enabled_ && dirty_) {
      std::fprintf(stderr, "\r\033[K");
      std::fflush(stderr);
      dirty_ = false;
    }
  }

 private:
  using clock = std::chrono::steady_clock;
  bool enabled_;
  bool dirty_ = false;
  std::size_t total_;
  clock::time_point start_, last_{};
};

}  // namespace cnnbench::bench
