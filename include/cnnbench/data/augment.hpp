// cnnbench/data/augment.hpp: random training augmentations, as torchvision applies them to PIL
// images, seeded per (seed, epoch, sample) so that every policy and thread count sees the same
// augmented batches.
//
//   augmentation aug{true, 30};   // {hflip, rotate_degrees}: RandomHorizontalFlip(), RandomRotation(30, BILINEAR)
//   host_batch b;
//   gather_augmented(b, train, order.batch(epoch_order, k), train.norm, aug, seed, epoch);
//
// For sample s (its index in the dataset, not its position in a batch) of epoch e under seed k, the
// draws are elements 2s and 2s+1 of the counter-based stream rng(k, 0xa06e'0000'0000 + e) (a stream
// batch_order never uses):
//   angle = (2 u0 - 1) * rotate_degrees, u0 = uniform01_at(2s + 1)   uniform in [-deg, +deg)
//   flip  = u1 < 0.5,                     u1 = uniform01_at(2s)        (torchvision: torch.rand(1) < p)
// and the uint8 CHW image is first rotated by `angle` degrees COUNTER-CLOCKWISE (positive = counter-
// clockwise, torchvision's convention) about its centre with rotate_bilinear (Pillow
// Image.rotate(angle, BILINEAR, fillcolor=0): bilinear, zero fill outside, same size), then mirrored
// left-right with flip_horizontal if `flip` (the order of torchvision's Compose([RandomRotation(deg),
// RandomHorizontalFlip()])). Only uint8 datasets can be augmented (float ones: data_error).
// A pure function of (augmentation, seed, epoch, sample, pixels): the calls may come in any order
// from any thread.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "../error.hpp"
#include "../random.hpp"
#include "../shape.hpp"
#include "batches.hpp"
#include "dataset.hpp"
#include "image.hpp"

namespace cnnbench {

/// Which augmentations to apply (all off by default).
struct augmentation {
  bool hflip = false;           ///< RandomHorizontalFlip(p = 0.5)
  double rotate_degrees = 0;    ///< RandomRotation(rotate_degrees, BILINEAR, fill 0); 0: none
  bool active() const noexcept { return hflip || rotate_degrees != 0; }
};

/// The random choices for one sample.
struct augment_draw {
  bool flip = false;
  double angle = 0;  ///< degrees, counter-clockwise
};

inline constexpr std::uint64_t augment_stream_base = 0xa06e'0000'0000ull;

/// The draws of sample `sample` in epoch `epoch` under `seed` (see the header comment).
inline augment_draw draw_augmentation(const augmentation& a, std::uint64_t seed, std::uint64_t epoch, std::size_t sample) noexcept {
  const rng r(seed, augment_stream_base + epoch);
  augment_draw d;
  d.flip = a.hflip && r.uniform01_at(2 * static_cast<std::uint64_t>(sample)) < 0.5;
  if (a.rotate_degrees != 0)
    d.angle = (2.0 * r.uniform01_at(2 * static_cast<std::uint64_t>(sample) + 1) - 1.0) * a.rotate_degrees;
  return d;
}

/// Applies the draws d to one uint8 CHW image of shape s (in and out may be the same buffer).
inline void apply_augmentation(const augment_draw& d, shape s, const std::uint8_t* in, std::uint8_t* out) {
  const int c = static_cast<int>(s.c), h = static_cast<int>(s.h), w = static_cast<int>(s.w);
  std::vector<std::uint8_t> tmp(in, in + s.size());
  if (d.angle != 0) {
    std::vector<std::uint8_t> rot(s.size());
    rotate_bilinear(tmp.data(), c, h, w, d.angle, rot.data());
    tmp.swap(rot);
  }
  if (d.flip)
    flip_horizontal(tmp.data(), c, h, w, out);
  else
    std::copy(tmp.begin(), tmp.end(), out);
}

/// Augments sample `sample` of epoch `epoch`: draw_augmentation then apply_augmentation.
inline void augment_sample(const augmentation& a, std::uint64_t seed, std::uint64_t epoch, std::size_t sample, shape s,
                           const std::uint8_t* in, std::uint8_t* out) {
  apply_augmentation(draw_augmentation(a, seed, epoch, sample), s, in, out);
}

/// host_batch::gather with augmentation: the samples `indices` of d, each augmented (keyed by its
/// dataset index), then normalised with `norm` exactly as dataset::fill does. `threads` > 1 splits the
/// batch between threads; the result does not depend on it. Without an active augmentation this is
/// host_batch::gather(d, indices, norm).
inline void gather_augmented(host_batch& b, const dataset& d, std::span<const std::size_t> indices, normalization norm,
                             const augmentation& a, std::uint64_t seed, std::uint64_t epoch, unsigned threads = 1) {
  if (!a.active()) {
    b.gather(d, indices, norm);
    return;
  }
  if (d.pixels.empty()) throw data_error(d.name + ": augmentation needs uint8 images (this dataset holds floats)");
  const std::size_t per = d.sample_shape.size(), n = indices.size();
  for (std::size_t i : indices)
    if (i >= d.size()) throw value_error(d.name + ": sample index " + std::to_string(i) + " out of range");
  // The augmented batch as a small uint8 dataset, normalised by dataset::fill (one code path).
  dataset tmp;
  tmp.name = d.name;
  tmp.sample_shape = d.sample_shape;
  tmp.classes = d.classes;
  tmp.norm = d.norm;
  tmp.mean = d.mean;
  tmp.stddev = d.stddev;
  tmp.pixels.resize(n * per);
  tmp.labels.resize(n);
  auto work = [&](std::size_t first, std::size_t last) {
    for (std::size_t k = first; k < last; ++k) {
      augment_sample(a, seed, epoch, indices[k], d.sample_shape, d.pixels.data() + indices[k] * per, tmp.pixels.data() + k * per);
      tmp.labels[k] = d.labels[indices[k]];
    }
  };
  if (threads <= 1 || n < 2) {
    work(0, n);
  } else {
    const std::size_t t = std::min<std::size_t>(threads, n);
    std::vector<std::thread> pool;
    for (std::size_t j = 0; j < t; ++j) pool.emplace_back(work, n * j / t, n * (j + 1) / t);
    for (auto& th : pool) th.join();
  }
  std::vector<std::size_t> all(n);
  for (std::size_t k = 0; k < n; ++k) all[k] = k;
  b.n = n;
  b.x.resize(n * per);
  b.y.resize(n);
  tmp.fill(all, b.x.data(), b.y.data(), norm);
}

}  // namespace cnnbench
