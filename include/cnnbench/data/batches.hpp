// cnnbench/data/batches.hpp: the one mini-batch order every policy trains from.
//
// batch_order(n, batch_size, seed, shuffle, drop_last): epoch e visits a permutation of the n samples
// drawn by Fisher-Yates from rng(seed, e) (sample-level shuffle, the same on every platform), cut
// into batches of batch_size; with drop_last the incomplete last batch is skipped (the Rosetta
// Stone write-up trained on 781 complete batches of 64 per epoch). Without shuffle the order is
// 0, 1, ..., n - 1 (the Keras cifar10_cnn write-up). Any two back ends given the same batch_order
// see the same batches in the same order.
#pragma once
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../random.hpp"
#include "dataset.hpp"

namespace cnnbench {

class batch_order {
 public:
  batch_order(std::size_t samples, std::size_t batch_size, std::uint64_t seed, bool shuffle = true, bool drop_last = false)
      : n_(samples), batch_(batch_size), seed_(seed), shuffle_(shuffle), drop_last_(drop_last) {
    if (batch_size == 0) throw value_error("batch size must be at least 1");
    if (samples == 0) throw value_error("cannot draw batches from an empty dataset");
    if (drop_last && samples < batch_size)
      throw value_error("drop_last with batch size " + std::to_string(batch_size) + " leaves no batch of the " +
                        std::to_string(samples) + " samples");
  }
  std::size_t samples() const noexcept { return n_; }
  std::size_t batch_size() const noexcept { return batch_; }
  /// Batches per epoch: floor(n / batch) with drop_last, else ceil(n / batch).
  std::size_t batches_per_epoch() const noexcept { return drop_last_ ? n_ / batch_ : (n_ + batch_ - 1) / batch_; }
  /// Samples visited per epoch.
  std::size_t samples_per_epoch() const noexcept { return drop_last_ ? batches_per_epoch() * batch_ : n_; }

  /// The sample order of epoch e (0-based).
  std::vector<std::size_t> epoch(std::size_t e) const {
    std::vector<std::size_t> p(n_);
    std::iota(p.begin(), p.end(), std::size_t{0});
    if (shuffle_) {
      rng r(seed_, 0x5eed0000ull + e);
      for (std::size_t i = n_ - 1; i > 0; --i) std::swap(p[i], p[static_cast<std::size_t>(r.below(i + 1))]);
    }
    return p;
  }
  /// Batch b of an epoch's order.
  std::span<const std::size_t> batch(const std::vector<std::size_t>& order, std::size_t b) const {
    if (order.size() != n_)
      throw value_error("batch order of " + std::to_string(order.size()) + " samples, expected " + std::to_string(n_));
    if (b >= batches_per_epoch())
      throw value_error("batch " + std::to_string(b) + " out of range (" + std::to_string(batches_per_epoch()) +
                        " batches per epoch)");
    const std::size_t first = b * batch_;
    const std::size_t last = std::min(first + batch_, drop_last_ ? batches_per_epoch() * batch_ : n_);
    return std::span<const std::size_t>(order).subspan(first, last - first);
  }

 private:
  std::size_t n_, batch_;
  std::uint64_t seed_;
  bool shuffle_, drop_last_;
};

/// A host batch: normalised float images and labels, gathered from a dataset.
struct host_batch {
  std::vector<float> x;
  std::vector<std::int32_t> y;
  std::size_t n = 0;
  /// The samples `indices` of d, normalised with d.norm.
  void gather(const dataset& d, std::span<const std::size_t> indices) { gather(d, indices, d.norm); }
  /// The samples `indices` of d, normalised with `norm`.
  void gather(const dataset& d, std::span<const std::size_t> indices, normalization norm) {
    n = indices.size();
    x.resize(n * d.sample_shape.size());
    y.resize(n);
    d.fill(indices, x.data(), y.data(), norm);
  }
};

}  // namespace cnnbench
