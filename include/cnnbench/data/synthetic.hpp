// cnnbench/data/synthetic.hpp: a seeded, learnable synthetic image dataset of any shape.
//
//   auto d = synthetic_dataset(shape{3, 32, 32}, 50'000, 10, 42);   // CIFAR-10 sized, 10 classes
//
// For benchmarks without real data, and for tests: it is not noise, a small CNN (or a nearest-mean
// classifier) fits it. Each class k has a random prototype image: per channel, a grid of cells of
// B x B pixels, B = max(1, min(H, W) / 7) (7x7 or 8x8 cells for 28x28, 32x32 and 224x224 images, 1x1
// cells for flat shapes {n, 1, 1}), each cell one uniform value in 0..255. Sample i draws its label
// uniformly in [0, classes) and is its class's prototype plus independent per-pixel noise with a
// triangular distribution on the integers -63..63 (the sum of two uniform 6-bit values minus 63,
// standard deviation ~26), clamped to 0..255.
//
// Result: a `dataset` with sample_shape `s`, `classes` classes, uint8 pixels (NCHW), int32 labels
// and normalization::unit (x / 255 when gathered), like the real readers, so every policy receives
// the same floats from it as from a file.
//
// Reproducible: everything is drawn from cnnbench::rng (no std:: distribution), so a seed gives the
// same bytes on every platform. Prototype k comes from stream (seed, 0x70726f746f000000 + k) and
// sample i from stream (seed, 2^63 + i): sample i does not depend on n, so a dataset of n samples is
// the first n samples of any larger one with the same shape, classes and seed.
//
// Throws value_error for classes == 0, classes above INT32_MAX, or a shape with no element.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../random.hpp"
#include "../shape.hpp"
#include "dataset.hpp"

namespace cnnbench {

namespace detail {
inline constexpr std::uint64_t synthetic_prototype_stream = 0x70726f746f000000ull;  // "proto" << 24
inline constexpr std::uint64_t synthetic_sample_stream = 1ull << 63;

inline void check_synthetic_args(shape s, std::size_t classes) {
  if (classes == 0) throw value_error("synthetic_dataset: classes must be at least 1");
  if (classes > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
    throw value_error("synthetic_dataset: " + std::to_string(classes) + " classes do not fit int32 labels");
  if (s.size() == 0)
    throw value_error("synthetic_dataset: shape " + std::to_string(s.c) + "x" + std::to_string(s.h) + "x" +
                      std::to_string(s.w) + " has no element");
}
}  // namespace detail

/// Side of the square cells of the prototypes: max(1, min(H, W) / 7).
constexpr std::size_t synthetic_cell_size(shape s) noexcept {
  const std::size_t m = std::min(s.h, s.w) / 7;
  return m == 0 ? 1 : m;
}

/// The class prototypes of synthetic_dataset(s, *, classes, seed): classes * s.size() bytes, NCHW.
inline std::vector<std::uint8_t> synthetic_prototypes(shape s, std::size_t classes, std::uint64_t seed) {
  detail::check_synthetic_args(s, classes);
  const std::size_t b = synthetic_cell_size(s);
  const std::size_t gh = (s.h + b - 1) / b, gw = (s.w + b - 1) / b;
  std::vector<std::uint8_t> out(classes * s.size());
  for (std::size_t k = 0; k < classes; ++k) {
    const rng r(seed, detail::synthetic_prototype_stream + k);
    std::uint8_t* img = out.data() + k * s.size();
    for (std::size_t c = 0; c < s.c; ++c)
      for (std::size_t y = 0; y < s.h; ++y)
        for (std::size_t x = 0; x < s.w; ++x) {
          const std::uint64_t cell = (c * gh + y / b) * gw + x / b;
          img[(c * s.h + y) * s.w + x] = static_cast<std::uint8_t>(r.at(cell) >> 56);
        }
  }
  return out;
}

/// n samples of shape s in `classes` classes, reproducible from `seed` (see the header comment).
/// The name defaults to "synthetic/CxHxW/seed<seed>".
inline dataset synthetic_dataset(shape s, std::size_t n, std::size_t classes, std::uint64_t seed, std::string name = {}) {
  const std::vector<std::uint8_t> protos = synthetic_prototypes(s, classes, seed);
  const std::size_t per = s.size();
  dataset d;
  d.name = name.empty() ? "synthetic/" + std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w) +
                              "/seed" + std::to_string(seed)
                        : std::move(name);
  d.sample_shape = s;
  d.classes = classes;
  d.norm = normalization::unit;
  d.pixels.resize(n * per);
  d.labels.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    rng r(seed, detail::synthetic_sample_stream + i);
    const std::size_t k = static_cast<std::size_t>(r.below(classes));
    d.labels[i] = static_cast<std::int32_t>(k);
    const std::uint8_t* proto = protos.data() + k * per;
    std::uint8_t* dst = d.pixels.data() + i * per;
    for (std::size_t j = 0; j < per; ++j) {
      const std::uint64_t v = r.next_u64();
      const int noise = static_cast<int>(v >> 58) + static_cast<int>((v >> 52) & 63u) - 63;  // triangular, -63..63
      dst[j] = static_cast<std::uint8_t>(std::clamp(static_cast<int>(proto[j]) + noise, 0, 255));
    }
  }
  d.check();
  return d;
}

}  // namespace cnnbench
