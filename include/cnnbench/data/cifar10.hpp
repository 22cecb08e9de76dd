// cnnbench/data/cifar10.hpp: the official CIFAR-10 binary batches (Krizhevsky, "binary version").
//
//   auto train = cifar10_train("/data/cifar-10-batches-bin");   // data_batch_1.bin .. data_batch_5.bin
//   auto test  = cifar10_test("/data/cifar-10-batches-bin");    // test_batch.bin
//   auto some  = read_cifar10_batches({"/data/x/data_batch_1.bin"}, "cifar10/batch1");
//
// Format: no header; a file is a sequence of records of 3,073 bytes: 1 label byte (0..9), then
// 3,072 pixel bytes: the 1,024 red values, then the 1,024 green, then the 1,024 blue, each plane
// 32x32 in row-major order. A file holds only complete records (10,000 in an official batch; any
// count of at least one is accepted here, e.g. a subset holding the first records of each batch).
// The files are read as they are (plain, not gzip).
//
// Result: a `dataset` with sample_shape {3, 32, 32} (NCHW: the file's plane order is already CHW,
// so no reordering), classes 10, uint8 pixels 0..255 (`pixels`, NCHW, records in file order, files in
// the order given), int32 labels, and normalization::unit (x / 255 when a batch is gathered; change
// `norm`, and set `mean`/`stddev` for mean_std, as needed). Class names, 0..9: airplane automobile
// bird cat deer dog frog horse ship truck (cifar10_class_names).
//
// Throws (every message names the file):
//   io_error   "<path>: file not found", or it cannot be opened or read;
//   data_error "<path>: size N bytes is not a multiple of the record size 3073 bytes: the incomplete
//              record starts at offset O", an empty file, or "<path>: label V at offset O (record R)
//              is not in 0..9";
//   value_error for an empty list of files.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../shape.hpp"
#include "byte_input.hpp"
#include "dataset.hpp"

namespace cnnbench {

/// Geometry of one CIFAR-10 binary record.
inline constexpr shape cifar10_sample_shape{3, 32, 32};
inline constexpr std::size_t cifar10_classes = 10;
inline constexpr std::size_t cifar10_pixel_bytes = 3 * 32 * 32;               ///< 3,072
inline constexpr std::size_t cifar10_record_bytes = 1 + cifar10_pixel_bytes;  ///< 3,073
/// The class names of labels 0..9 (batches.meta.txt of the official archive).
inline constexpr std::array<std::string_view, 10> cifar10_class_names{
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};

namespace detail {
/// Appends the records of one CIFAR-10 binary input (a file or a buffer) to d.pixels / d.labels,
/// reading one record at a time straight into place: it holds the records plus one record buffer.
inline void append_cifar10(raw_input& in, dataset& d) {
  const std::string& p = in.name();
  const std::uint64_t size = in.size();
  if (size == 0)
    throw data_error(p + ": empty file (0 bytes), expected records of " + std::to_string(cifar10_record_bytes) + " bytes");
  if (size % cifar10_record_bytes != 0) {
    const std::uint64_t complete = size / cifar10_record_bytes;
    throw data_error(p + ": size " + std::to_string(size) + " bytes is not a multiple of the record size " +
                     std::to_string(cifar10_record_bytes) + " bytes: " + std::to_string(complete) +
                     " complete records, then an incomplete record of " + std::to_string(size % cifar10_record_bytes) +
                     " bytes starting at offset " + std::to_string(complete * cifar10_record_bytes));
  }
  const std::uint64_t records = size / cifar10_record_bytes;
  if (records > (std::numeric_limits<std::size_t>::max() - d.pixels.size()) / cifar10_pixel_bytes)
    throw data_error(p + ": size " + std::to_string(size) + " bytes: more records than this machine can address");
  const std::size_t first_pixel = d.pixels.size(), first_label = d.labels.size();
  d.pixels.reserve(first_pixel + static_cast<std::size_t>(records) * cifar10_pixel_bytes);
  d.labels.reserve(first_label + static_cast<std::size_t>(records));
  std::array<std::uint8_t, cifar10_record_bytes> record{};
  for (std::size_t r = 0; r < records; ++r) {
    const std::size_t at = r * cifar10_record_bytes;
    const std::size_t got = in.read(record.data(), record.size());
    if (got != record.size())
      throw io_error(p + ": read " + std::to_string(at + got) + " of its " + std::to_string(size) + " bytes");
    const std::uint8_t label = record[0];
    if (label >= cifar10_classes) {
      d.pixels.resize(first_pixel);
      d.labels.resize(first_label);
      throw data_error(p + ": label " + std::to_string(label) + " at offset " + std::to_string(at) + " (record " +
                       std::to_string(r) + ") is not in 0.." + std::to_string(cifar10_classes - 1));
    }
    d.labels.push_back(label);
    d.pixels.insert(d.pixels.end(), record.begin() + 1, record.end());
  }
}

/// The same for a file (see the header comment for the errors).
inline void append_cifar10_file(const std::filesystem::path& path, dataset& d) {
  raw_input in(path, path.string());
  append_cifar10(in, d);
}
}  // namespace detail

/// The records of `files`, concatenated in the order given. The name defaults to the file names
/// joined by '+'. Throws io_error, data_error, value_error (see the header comment).
inline dataset read_cifar10_batches(const std::vector<std::filesystem::path>& files, std::string name = {}) {
  if (files.empty()) throw value_error("read_cifar10_batches: no files given");
  dataset d;
  if (name.empty()) {
    for (const auto& f : files) {
      if (!name.empty()) name += '+';
      name += f.filename().string();
    }
  }
  d.name = std::move(name);
  d.sample_shape = cifar10_sample_shape;
  d.classes = cifar10_classes;
  d.norm = normalization::unit;
  for (const auto& f : files) detail::append_cifar10_file(f, d);
  d.check();
  return d;
}

/// The records of one CIFAR-10 binary file held in memory; `name` stands for the file in messages.
inline dataset read_cifar10_bytes(std::span<const std::uint8_t> bytes, std::string name) {
  dataset d;
  d.name = name;
  d.sample_shape = cifar10_sample_shape;
  d.classes = cifar10_classes;
  d.norm = normalization::unit;
  detail::raw_input in(bytes, std::move(name));
  detail::append_cifar10(in, d);
  d.check();
  return d;
}

/// The training set: dir/data_batch_1.bin .. dir/data_batch_5.bin (50,000 images in the official release).
inline dataset cifar10_train(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i <= 5; ++i) files.push_back(dir / ("data_batch_" + std::to_string(i) + ".bin"));
  return read_cifar10_batches(files, "cifar10/train");
}

/// The test set: dir/test_batch.bin (10,000 images in the official release).
inline dataset cifar10_test(const std::filesystem::path& dir) {
  return read_cifar10_batches({dir / "test_batch.bin"}, "cifar10/test");
}

}  // namespace cnnbench
