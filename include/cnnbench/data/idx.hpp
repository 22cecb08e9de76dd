// cnnbench/data/idx.hpp: the IDX format of MNIST and Fashion-MNIST (LeCun et al.), gzip or plain.
//
//   auto train = read_idx_dataset("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
//                                 "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz");
//   idx_file f = read_idx(std::span<const std::uint8_t>(bytes), "in-memory.gz", 1);  // from memory
//
// IDX: big-endian header, magic 0x00000803 (uint8, 3 dimensions: count, rows, cols) for images and
// 0x00000801 (uint8, 1 dimension: count) for labels, then the bytes. A file (or buffer) starting with
// the gzip magic 1f 8b is inflated with zlib (several concatenated gzip members are one stream, as
// gzip(1) reads them); anything else is read as it is.
//
// Bounded memory (hostile files): the reader streams. It reads the header, refuses an announced body
// that the input cannot hold before allocating anything (a plain file: more bytes than the file has
// after the header; a gzip file: more than deflate's maximum ratio, 1032:1 (zlib's deflate.c: a
// 258-byte match costs at least 2 bits), times the compressed size), then reads exactly the announced
// body and checks for trailing bytes with one bounded read of at most detail::idx_trailing_probe
// bytes. It holds the body plus buffers of at most 256 KiB, whatever the input inflates to.
//
// Every failure names the file: io_error if it cannot be opened or read; data_error for a corrupt
// or truncated gzip stream (with the compressed offset reached), bytes after the end of the gzip
// stream that are not another gzip member, a wrong magic or dimension (with its offset and the
// expected value), a zero dimension, an announced size the input cannot hold (the value and the
// input's size), a body shorter than the header announces, bytes after the body ("N unexpected
// bytes", or "more than N" when they exceed the probe), or image and label counts that disagree.
#pragma once
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "../error.hpp"
#include "byte_input.hpp"
#include "dataset.hpp"

namespace cnnbench {

namespace detail {
/// How many bytes after an IDX body are read to report trailing bytes (the bounded read).
inline constexpr std::size_t idx_trailing_probe = 1 << 16;

inline std::uint32_t be32(const std::uint8_t* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
}
inline std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) { return be32(b.data() + at); }
inline std::string hex32(std::uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  for (int i = 7; i >= 0; --i) s += digits[(v >> (4 * i)) & 0xf];
  return s;
}
}  // namespace detail

/// The whole (inflated) content of a file; gzip is detected by its magic bytes 1f 8b. Throws
/// io_error / data_error (see the header comment), and data_error naming the file when the content
/// exceeds `limit` bytes (only `limit` + 64 KiB are ever held).
inline std::vector<std::uint8_t> read_maybe_gzip(const std::filesystem::path& path,
                                                 std::size_t limit = std::numeric_limits<std::size_t>::max()) {
  detail::maybe_gzip_input in(detail::raw_input(path, path.string()));
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(1 << 16);
  for (;;) {
    const std::size_t got = in.read(chunk.data(), chunk.size());
    if (got > limit - out.size())
      throw data_error(path.string() + ": content larger than the limit of " + std::to_string(limit) + " bytes");
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(got));
    if (got < chunk.size()) return out;
  }
}

/// IDX contents: dimensions and the uint8 body.
struct idx_file {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
};

namespace detail {
inline idx_file read_idx_from(maybe_gzip_input& in, std::size_t rank) {
  const std::string& p = in.raw().name();
  if (rank < 1 || rank > 255) throw value_error(p + ": IDX rank " + std::to_string(rank) + " is not in 1..255");
  const std::size_t header = 4 + 4 * rank;
  std::vector<std::uint8_t> head(header);
  const std::size_t got = in.read(head.data(), header);
  if (got < 4) throw data_error(p + ": too short for an IDX header (" + std::to_string(got) + " bytes)");
  const std::uint32_t magic = be32(head.data()), want = 0x00000800u | static_cast<std::uint32_t>(rank);
  if (magic != want)
    throw data_error(p + ": bad IDX magic " + hex32(magic) + " at offset 0, expected " + hex32(want) + " (uint8, " +
                     std::to_string(rank) + " dimension" + (rank == 1 ? "" : "s") + ")");
  if (got < header)
    throw data_error(p + ": truncated IDX header: " + std::to_string(got) + " bytes, expected " + std::to_string(header));
  idx_file f;
  for (std::size_t i = 0; i < rank; ++i) {
    f.dims.push_back(be32(head.data() + 4 + 4 * i));
    if (f.dims.back() == 0)
      throw data_error(p + ": dimension " + std::to_string(i) + " at offset " + std::to_string(4 + 4 * i) + " is 0");
  }
  // The announced body, refused before allocating when the input cannot hold it.
  const std::uint64_t input = in.raw().size();
  const std::uint64_t can_hold = in.gzip() ? (input > std::numeric_limits<std::uint64_t>::max() / deflate_max_ratio
                                                   ? std::numeric_limits<std::uint64_t>::max()
                                                   : input * deflate_max_ratio)
                                           : input - std::min<std::uint64_t>(input, header);
  std::uint64_t body = 1;
  bool overflow = false;
  for (const std::uint32_t d : f.dims) {
    if (d > std::numeric_limits<std::uint64_t>::max() / body) overflow = true;
    if (overflow) break;
    body *= d;
  }
  const std::string dims_at = "the dimensions at offset 4 announce ";
  if (overflow)
    throw data_error(p + ": " + dims_at + "more than 2^64 bytes (the file has " + std::to_string(input) + " bytes)");
  if (body > can_hold) {
    if (in.gzip())
      throw data_error(p + ": truncated IDX body: header announces " + std::to_string(body) + " bytes after offset " +
                       std::to_string(header) + ", more than the file's " + std::to_string(input) +
                       " compressed bytes can inflate to (deflate's ratio is at most " + std::to_string(deflate_max_ratio) + ":1)");
    throw data_error(p + ": truncated IDX body: header announces " + std::to_string(body) + " bytes after offset " +
                     std::to_string(header) + ", file has " + std::to_string(can_hold));
  }
  if (body > std::numeric_limits<std::size_t>::max() / 2)
    throw data_error(p + ": " + dims_at + std::to_string(body) + " bytes, more than this machine can address");
  // Read the body in chunks, growing the buffer only as data arrives (a gzip stream that ends early
  // never makes it allocate the whole announced size).
  const std::size_t n = static_cast<std::size_t>(body);
  std::size_t have = 0;
  while (have < n) {
    const std::size_t step = std::min(n - have, std::max<std::size_t>(have, std::size_t{1} << 20));
    f.data.resize(have + step);
    const std::size_t k = in.read(f.data.data() + have, step);
    have += k;
    if (k < step) break;
  }
  if (have < n)
    throw data_error(p + ": truncated IDX body: header announces " + std::to_string(body) + " bytes after offset " +
                     std::to_string(header) + ", file has " + std::to_string(have));
  std::vector<std::uint8_t> probe(idx_trailing_probe + 1);
  const std::size_t extra = in.read(probe.data(), probe.size());
  if (extra > 0)
    throw data_error(p + ": " + (extra > idx_trailing_probe ? "more than " + std::to_string(idx_trailing_probe) : std::to_string(extra)) +
                     " unexpected bytes after the IDX body at offset " + std::to_string(header + body));
  return f;
}
}  // namespace detail

/// Reads an IDX file of uint8 with `rank` dimensions (3 for images, 1 for labels). Throws
/// io_error, data_error (see the header comment), value_error for a rank outside 1..255.
inline idx_file read_idx(const std::filesystem::path& path, std::size_t rank) {
  detail::maybe_gzip_input in(detail::raw_input(path, path.string()));
  return detail::read_idx_from(in, rank);
}

/// The same from bytes in memory (plain or gzip); `name` stands for the file in messages.
inline idx_file read_idx(std::span<const std::uint8_t> bytes, std::string_view name, std::size_t rank) {
  detail::maybe_gzip_input in(detail::raw_input(bytes, std::string(name)));
  return detail::read_idx_from(in, rank);
}

/// An image dataset from an IDX image file and an IDX label file (1 channel, labels < classes).
inline dataset read_idx_dataset(const std::filesystem::path& images, const std::filesystem::path& labels,
                                std::size_t classes = 10, std::string name = {}) {
  auto im = read_idx(images, 3);
  auto lb = read_idx(labels, 1);
  if (im.dims[0] != lb.dims[0])
    throw data_error(images.string() + " has " + std::to_string(im.dims[0]) + " images but " + labels.string() + " has " +
                     std::to_string(lb.dims[0]) + " labels");
  dataset d;
  d.name = name.empty() ? images.filename().string() : std::move(name);
  d.sample_shape = shape{1, im.dims[1], im.dims[2]};
  d.classes = classes;
  d.pixels = std::move(im.data);
  d.labels.assign(lb.data.begin(), lb.data.end());
  for (std::size_t i = 0; i < d.labels.size(); ++i)
    if (d.labels[i] >= static_cast<std::int32_t>(classes))
      throw data_error(labels.string() + ": label " + std::to_string(d.labels[i]) + " at offset " + std::to_string(8 + i) +
                       " is not below " + std::to_string(classes));
  d.check();
  return d;
}

}  // namespace cnnbench
