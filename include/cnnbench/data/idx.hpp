// cnnbench/data/idx.hpp: the IDX format of MNIST and Fashion-MNIST (LeCun et al.), gzip or plain.
//
//   auto train = read_idx_dataset("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
//                                 "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz");
//
// IDX: big-endian header, magic 0x00000803 (uint8, 3 dimensions: count, rows, cols) for images and
// 0x00000801 (uint8, 1 dimension: count) for labels, then the bytes. Files ending in .gz are inflated
// with zlib (the reader also accepts uncompressed files). Every failure names the file: io_error if it
// cannot be opened; data_error for a corrupt or truncated gzip stream (with the compressed offset
// reached), a wrong magic or dimension (with its offset and the expected value), a body shorter than
// the header announces, or image and label counts that disagree.
#pragma once
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "../error.hpp"
#include "dataset.hpp"

namespace cnnbench {

/// The whole (inflated) content of a file; gzip is detected by its magic bytes 1f 8b.
inline std::vector<std::uint8_t> read_maybe_gzip(const std::filesystem::path& path) {
  const std::string p = path.string();
  if (!std::filesystem::exists(path)) throw io_error(p + ": file not found");
  gzFile f = gzopen(p.c_str(), "rb");  // transparently reads plain files too
  if (!f) throw io_error(p + ": cannot open for reading");
  gzbuffer(f, 1 << 17);
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(1 << 20);
  for (;;) {
    const int got = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got < 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      const long offset = gzoffset(f);
      const std::string what = p + ": corrupt gzip data near compressed offset " + std::to_string(offset) + " (" +
                               (msg ? msg : "zlib error") + ")";
      gzclose(f);
      throw data_error(what);
    }
    if (got == 0) break;
    out.insert(out.end(), chunk.begin(), chunk.begin() + got);
  }
  int err = 0;
  const char* msg = gzerror(f, &err);
  if (err == Z_BUF_ERROR) {  // zlib: "unexpected end of file"
    const long compressed = gzoffset(f);
    gzclose(f);
    throw data_error(p + ": truncated gzip stream (ends at compressed offset " + std::to_string(compressed) +
                     " without its end-of-stream marker)");
  }
  if (err != Z_OK && err != Z_STREAM_END) {
    const std::string what = p + ": gzip stream error (" + (msg ? msg : "?") + ")";
    gzclose(f);
    throw data_error(what);
  }
  // zlib reports a stream cut short as a clean end: detect it through gzclose's status.
  const long compressed = gzoffset(f);
  const int closed = gzclose(f);
  if (closed == Z_BUF_ERROR)
    throw data_error(p + ": truncated gzip stream (ends at compressed offset " + std::to_string(compressed) +
                     " without its end-of-stream marker)");
  if (closed != Z_OK) throw data_error(p + ": gzip stream error on close (code " + std::to_string(closed) + ")");
  return out;
}

namespace detail {
inline std::uint32_t be32(const std::vector<std::uint8_t>& b, std::size_t at) {
  return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}
inline std::string hex32(std::uint32_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s = "0x";
  for (int i = 7; i >= 0; --i) s += digits[(v >> (4 * i)) & 0xf];
  return s;
}
}  // namespace detail

/// IDX contents: dimensions and the uint8 body.
struct idx_file {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
};

/// Reads an IDX file of uint8 with `rank` dimensions (3 for images, 1 for labels).
inline idx_file read_idx(const std::filesystem::path& path, std::size_t rank) {
  const std::string p = path.string();
  auto bytes = read_maybe_gzip(path);
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() < 4) throw data_error(p + ": too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)");
  const std::uint32_t magic = detail::be32(bytes, 0), want = 0x00000800u | static_cast<std::uint32_t>(rank);
  if (magic != want)
    throw data_error(p + ": bad IDX magic " + detail::hex32(magic) + " at offset 0, expected " + detail::hex32(want) +
                     " (uint8, " + std::to_string(rank) + " dimension" + (rank == 1 ? "" : "s") + ")");
  if (bytes.size() < header)
    throw data_error(p + ": truncated IDX header: " + std::to_string(bytes.size()) + " bytes, expected " +
                     std::to_string(header));
  idx_file f;
  for (std::size_t i = 0; i < rank; ++i) {
    f.dims.push_back(detail::be32(bytes, 4 + 4 * i));
    if (f.dims.back() == 0)
      throw data_error(p + ": dimension " + std::to_string(i) + " at offset " + std::to_string(4 + 4 * i) + " is 0");
  }
  std::size_t body = 1;
  for (const std::uint32_t d : f.dims) {
    if (d > std::numeric_limits<std::size_t>::max() / body)
      throw data_error(p + ": the dimensions at offset 4 announce more than 2^64 bytes (the file has " +
                       std::to_string(bytes.size() - header) + " after offset " + std::to_string(header) + ")");
    body *= d;
  }
  if (bytes.size() - header < body)
    throw data_error(p + ": truncated IDX body: header announces " + std::to_string(body) + " bytes after offset " +
                     std::to_string(header) + ", file has " + std::to_string(bytes.size() - header));
  if (bytes.size() - header > body)
    throw data_error(p + ": " + std::to_string(bytes.size() - header - body) + " unexpected bytes after the IDX body at offset " +
                     std::to_string(header + body));
  f.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return f;
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
