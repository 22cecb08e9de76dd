// cnnbench/data/dataset.hpp: an in-memory labelled image dataset with a declared normalisation.
//
// Images are stored as uint8 NCHW (what the files hold) or as float NCHW (synthetic data); a batch
// is converted to float32 NCHW with the dataset's normalisation when it is gathered (fill()), so
// every policy receives the same floats.
//   normalization::none       x               (raw 0..255, as the TF-vs-MXNet write-up did)
//   normalization::unit       x / 255         (the usual [0, 1])
//   normalization::symmetric  x / 127.5 - 1   ([-1, 1], Keras cifar10_cnn write-up)
//   normalization::mean_std   (x / 255 - mean[c]) / std[c]   per channel (torchvision Normalize)
// Float images are passed through unchanged whatever the normalisation.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../shape.hpp"

namespace cnnbench {

enum class normalization { none, unit, symmetric, mean_std };

constexpr std::string_view to_string(normalization n) noexcept {
  switch (n) {
    case normalization::none: return "none (0..255)";
    case normalization::unit: return "x/255";
    case normalization::symmetric: return "x/127.5-1";
    case normalization::mean_std: return "(x/255-mean)/std";
  }
  return "?";
}

/// Labelled images, NCHW, one sample = `sample_shape`.
struct dataset {
  std::string name;                    ///< e.g. "fashion-mnist/train"
  shape sample_shape;                  ///< {C, H, W} of one image
  std::size_t classes = 0;             ///< labels are in [0, classes)
  std::vector<std::uint8_t> pixels;    ///< size() * sample_shape.size() bytes, or empty when `values` is used
  std::vector<float> values;           ///< float images (synthetic data), or empty
  std::vector<std::int32_t> labels;    ///< one per image
  normalization norm = normalization::unit;
  std::vector<float> mean, stddev;     ///< per channel, for normalization::mean_std
  std::vector<std::string> class_names;  ///< name of label i, when the source has names (image folders), else empty

  std::size_t size() const noexcept { return labels.size(); }

  /// Throws data_error if the parts disagree (counts, label range, normalisation parameters).
  void check() const {
    const std::size_t n = size(), per = sample_shape.size();
    const std::size_t have = pixels.empty() ? values.size() : pixels.size();
    if (per == 0 || n > have / per || have != n * per)
      throw data_error(name + ": " + std::to_string(have) + " pixel values for " + std::to_string(n) + " labels of shape " +
                       std::to_string(sample_shape.c) + "x" + std::to_string(sample_shape.h) + "x" +
                       std::to_string(sample_shape.w) + " (expected " + std::to_string(n * per) + ")");
    for (std::size_t i = 0; i < n; ++i)
      if (labels[i] < 0 || static_cast<std::size_t>(labels[i]) >= classes)
        throw data_error(name + ": label " + std::to_string(labels[i]) + " of image " + std::to_string(i) +
                         " is outside [0, " + std::to_string(classes) + ")");
    if (norm == normalization::mean_std && (mean.size() != sample_shape.c || stddev.size() != sample_shape.c))
      throw data_error(name + ": mean_std normalisation needs one mean and one std per channel");
    for (float s : stddev)
      if (!(s > 0)) throw data_error(name + ": mean_std normalisation needs std > 0, got " + std::to_string(s));
  }

  /// Gathers samples `indices` into x (indices.size() * sample_shape.size() floats, normalised with
  /// the dataset's own `norm`) and y.
  void fill(std::span<const std::size_t> indices, float* x, std::int32_t* y) const { fill(indices, x, y, norm); }
  /// The same with normalisation `how` instead of the dataset's (the harness applies a protocol's).
  /// Throws value_error for an index out of range, data_error for mean_std without per-channel values.
  void fill(std::span<const std::size_t> indices, float* x, std::int32_t* y, normalization how) const {
    if (how == normalization::mean_std && !pixels.empty() && (mean.size() != sample_shape.c || stddev.size() != sample_shape.c))
      throw data_error(name + ": mean_std normalisation needs one mean and one std per channel");
    const std::size_t per = sample_shape.size(), hw = sample_shape.h * sample_shape.w;
    for (std::size_t k = 0; k < indices.size(); ++k) {
      const std::size_t i = indices[k];
      if (i >= size()) throw value_error(name + ": sample index " + std::to_string(i) + " out of range");
      float* dst = x + k * per;
      y[k] = labels[i];
      if (pixels.empty()) {
        std::copy_n(values.begin() + static_cast<std::ptrdiff_t>(i * per), per, dst);
        continue;
      }
      const std::uint8_t* src = pixels.data() + i * per;
      switch (how) {
        case normalization::none:
          for (std::size_t j = 0; j < per; ++j) dst[j] = src[j];
          break;
        case normalization::unit:
          for (std::size_t j = 0; j < per; ++j) dst[j] = static_cast<float>(src[j]) / 255.0f;
          break;
        case normalization::symmetric:
          for (std::size_t j = 0; j < per; ++j) dst[j] = static_cast<float>(src[j]) / 127.5f - 1.0f;
          break;
        case normalization::mean_std:
          for (std::size_t c = 0; c < sample_shape.c; ++c)
            for (std::size_t j = 0; j < hw; ++j)
              dst[c * hw + j] = (static_cast<float>(src[c * hw + j]) / 255.0f - mean[c]) / stddev[c];
          break;
      }
    }
  }

  /// The samples [first, first + count) as a new dataset (a copy).
  dataset slice(std::size_t first, std::size_t count) const {
    if (first > size() || count > size() - first)
      throw value_error(name + ": slice [" + std::to_string(first) + ", " + std::to_string(first + count) +
                        ") exceeds its " + std::to_string(size()) + " samples");
    dataset d;  // not a copy of *this: only the slice's samples are copied
    d.name = name + "[" + std::to_string(first) + ":" + std::to_string(first + count) + "]";
    d.sample_shape = sample_shape;
    d.classes = classes;
    d.norm = norm;
    d.mean = mean;
    d.stddev = stddev;
    d.class_names = class_names;
    const std::size_t per = sample_shape.size();
    d.labels.assign(labels.begin() + static_cast<std::ptrdiff_t>(first), labels.begin() + static_cast<std::ptrdiff_t>(first + count));
    if (!pixels.empty())
      d.pixels.assign(pixels.begin() + static_cast<std::ptrdiff_t>(first * per),
                      pixels.begin() + static_cast<std::ptrdiff_t>((first + count) * per));
    if (!values.empty())
      d.values.assign(values.begin() + static_cast<std::ptrdiff_t>(first * per),
                      values.begin() + static_cast<std::ptrdiff_t>((first + count) * per));
    return d;
  }
};

}  // namespace cnnbench
