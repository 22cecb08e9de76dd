// cnnbench/data/byte_input.hpp: the bytes the data readers read, from a file or from memory, in
// bounded chunks (internal to data/: idx.hpp, cifar10.hpp).
//
//   detail::raw_input        a file (its size known up front) or a span of bytes; read(dst, n) returns
//                            up to n bytes, 0 at the end; io_error "<path>: file not found", "is a
//                            directory", "cannot open for reading", "read error at offset N".
//   detail::maybe_gzip_input the content of a raw_input, inflated with zlib when it starts with the gzip
//                            magic 1f 8b (concatenated members are one stream, as gzip(1) reads them);
//                            holds a 64 KiB input buffer and zlib's state, never the whole content;
//                            data_error "<name>: truncated gzip stream (ends at compressed offset N ...)",
//                            "corrupt gzip data near compressed offset N (<zlib's message>)", and bytes
//                            after the end of the stream that are not another member.
// Every message names the file (or the name given for a buffer).
#pragma once
#include <zlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "../error.hpp"

namespace cnnbench::detail {

/// Deflate's largest expansion: 258 bytes out per (at least) 2 bits in (zlib FAQ and deflate.c).
inline constexpr std::uint64_t deflate_max_ratio = 1032;

/// The raw bytes of a file or a memory buffer, read in chunks.
class raw_input {
 public:
  raw_input(const std::filesystem::path& path, std::string name) : name_(std::move(name)) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) throw io_error(name_ + ": file not found");
    if (std::filesystem::is_directory(path, ec)) throw io_error(name_ + ": is a directory, not a file");
    size_ = std::filesystem::file_size(path, ec);
    if (ec) throw io_error(name_ + ": cannot read its size (" + ec.message() + ")");
    file_ = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*file_) throw io_error(name_ + ": cannot open for reading");
  }
  raw_input(std::span<const std::uint8_t> bytes, std::string name) : name_(std::move(name)), mem_(bytes), size_(bytes.size()) {}

  /// Up to n bytes into dst; 0 at the end. Throws io_error when the file cannot be read.
  std::size_t read(std::uint8_t* dst, std::size_t n) {
    if (!file_) {
      const std::size_t k = std::min(n, mem_.size() - pos_);
      std::copy_n(mem_.data() + pos_, k, dst);
      pos_ += k;
      return k;
    }
    file_->read(reinterpret_cast<char*>(dst), static_cast<std::streamsize>(n));
    const auto got = static_cast<std::size_t>(file_->gcount());
    if (got < n && !file_->eof()) throw io_error(name_ + ": read error at offset " + std::to_string(pos_ + got));
    pos_ += got;
    return got;
  }
  std::uint64_t size() const noexcept { return size_; }
  const std::string& name() const noexcept { return name_; }

 private:
  std::string name_;
  std::unique_ptr<std::ifstream> file_;
  std::span<const std::uint8_t> mem_;
  std::uint64_t size_ = 0;
  std::size_t pos_ = 0;
};

/// The content of a raw_input, inflated when it starts with the gzip magic 1f 8b.
class maybe_gzip_input {
 public:
  explicit maybe_gzip_input(raw_input in) : in_(std::move(in)), buf_(1 << 16) {
    fill();
    gzip_ = avail_ >= 2 && buf_[0] == 0x1f && buf_[1] == 0x8b;
    if (gzip_) {
      if (inflateInit2(&z_, 15 + 16) != Z_OK) throw data_error(in_.name() + ": zlib inflateInit2 failed");
      z_live_ = true;
    }
  }
  maybe_gzip_input(const maybe_gzip_input&) = delete;
  maybe_gzip_input& operator=(const maybe_gzip_input&) = delete;
  ~maybe_gzip_input() {
    if (z_live_) inflateEnd(&z_);
  }

  bool gzip() const noexcept { return gzip_; }
  const raw_input& raw() const noexcept { return in_; }

  /// Fills dst with up to n bytes of content; fewer only at its end. Throws data_error for a
  /// corrupt or truncated gzip stream, io_error when the file cannot be read.
  std::size_t read(std::uint8_t* dst, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      if (!gzip_) {
        if (avail_ == 0 && (fill(), avail_ == 0)) break;
        const std::size_t k = std::min(n - done, avail_);
        std::copy_n(buf_.data() + next_, k, dst + done);
        next_ += k;
        avail_ -= k;
        done += k;
        continue;
      }
      if (ended_) {  // after a member's end: another member, or the end of the input
        if (avail_ < 2) fill_keep();
        if (avail_ == 0) break;
        if (avail_ < 2 || buf_[next_] != 0x1f || buf_[next_ + 1] != 0x8b)
          throw data_error(in_.name() + ": " + std::string(avail_ < 2 ? "1 byte" : "bytes") +
                           " after the end of the gzip stream at compressed offset " + std::to_string(consumed_) +
                           " that are not another gzip member");
        inflateReset(&z_);
        ended_ = false;
      }
      if (avail_ == 0) fill();
      if (avail_ == 0)
        throw data_error(in_.name() + ": truncated gzip stream (ends at compressed offset " + std::to_string(consumed_) +
                         " without its end-of-stream marker)");
      z_.next_in = buf_.data() + next_;
      z_.avail_in = static_cast<uInt>(avail_);
      const std::size_t want = std::min<std::size_t>(n - done, 1u << 30);
      z_.next_out = dst + done;
      z_.avail_out = static_cast<uInt>(want);
      const int rc = inflate(&z_, Z_NO_FLUSH);
      const std::size_t used = avail_ - z_.avail_in, produced = want - z_.avail_out;
      next_ += used;
      avail_ -= used;
      consumed_ += used;
      done += produced;
      if (rc == Z_STREAM_END) {
        ended_ = true;
      } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && used == 0 && produced == 0 && avail_ == 0)) {
        throw data_error(in_.name() + ": corrupt gzip data near compressed offset " + std::to_string(consumed_) + " (" +
                         (z_.msg ? z_.msg : "zlib error " + std::to_string(rc)) + ")");
      }
    }
    return done;
  }

 private:
  void fill() {  // only when the buffer is empty
    next_ = 0;
    avail_ = in_.read(buf_.data(), buf_.size());
  }
  void fill_keep() {  // keeps the unread bytes (fewer than 2)
    std::copy_n(buf_.data() + next_, avail_, buf_.data());
    next_ = 0;
    avail_ += in_.read(buf_.data() + avail_, buf_.size() - avail_);
  }

  raw_input in_;
  std::vector<std::uint8_t> buf_;
  std::size_t next_ = 0, avail_ = 0;
  std::uint64_t consumed_ = 0;
  z_stream z_{};
  bool gzip_ = false, z_live_ = false, ended_ = false;
};

}  // namespace cnnbench::detail
