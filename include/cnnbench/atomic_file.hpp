// cnnbench/atomic_file.hpp: files that are either the old version or the new one, never half-written.
//
//   write_file_atomically("out/results.json", text);       // a report
//   atomic_file f("s1.cnnbench"); f.write(bytes, n); f.commit();   // a weight file, piece by piece
//   write_files_atomically({{"report.md", md}, {"results.json", js}});  // all replaced, or none
//
// The bytes go to a temporary file in the same folder (".<name>.tmp-<pid>", so a rename cannot cross
// file systems), are flushed to the disk (fsync), and the temporary file is then renamed over the
// target (rename(2) replaces it atomically) and the folder is synced. If anything fails (a full disk,
// a file-size limit, an unwritable folder, a crash or kill -9 before commit()), the target is
// untouched: still the previous good file, or absent. A failure throws io_error naming the target and
// the operating system's reason ("out/results.json: cannot write (No space left on device)"); the
// temporary file is removed. A temporary file left by a killed process is harmless (a later run of the
// same process id replaces it) and can be deleted.
// POSIX (open, write, fsync, rename); Linux and other POSIX systems.
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "error.hpp"

namespace cnnbench {

/// A file being written: see the file comment. Not copyable; destroying it without commit() removes
/// the temporary file and leaves the target as it was.
class atomic_file {
 public:
  /// Opens the temporary file next to `target`. Throws io_error naming `target` when its folder is
  /// missing or not writable.
  explicit atomic_file(std::filesystem::path target) : target_(std::move(target)) {
    const auto dir = target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
    temp_ = dir / ("." + target_.filename().string() + ".tmp-" + std::to_string(::getpid()));
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot create a file in " + dir.string());
  }
  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;
  ~atomic_file() { discard(); }

  /// Appends n bytes. Throws io_error (e.g. "No space left on device", "File too large").
  void write(const void* data, std::size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) fail("cannot write");
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }
  void write(std::string_view s) { write(s.data(), s.size()); }

  /// Flushes the bytes to the disk and closes the temporary file (the write errors of a full disk that
  /// the file system reports late come here), without replacing the target yet: a caller that writes
  /// several files finishes them all before it commits any. Throws io_error.
  void finish() {
    if (fd_ < 0) return;
    if (::fsync(fd_) != 0) fail("cannot write (fsync)");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("cannot write (close)");
  }
  /// finish(), then renames the temporary file over the target. Throws io_error.
  void commit() {
    finish();
    if (std::rename(temp_.c_str(), target_.c_str()) != 0) fail("cannot replace the file");
    committed_ = true;
    // The rename is durable once the folder is synced (best effort: some file systems refuse it).
    const auto dir = target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
    if (const int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
      (void)::fsync(d);
      ::close(d);
    }
  }
  const std::filesystem::path& target() const noexcept { return target_; }

 private:
  [[noreturn]] void fail(const std::string& what) {
    const int e = errno;
    discard();
    throw io_error(target_.string() + ": " + what + " (" + std::strerror(e) + ")");
  }
  void discard() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!committed_) {
      std::error_code ec;
      std::filesystem::remove(temp_, ec);
    }
  }
  std::filesystem::path target_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

/// Replaces `target` by `text`, atomically (see the file comment). Throws io_error naming `target`.
inline void write_file_atomically(const std::filesystem::path& target, std::string_view text) {
  atomic_file f(target);
  f.write(text);
  f.commit();
}

/// Replaces several files, each atomically, and none of them unless every one could be written (a full
/// disk while writing the third leaves all of them as they were). Throws io_error naming the file.
inline void write_files_atomically(const std::vector<std::pair<std::filesystem::path, std::string>>& files) {
  std::vector<std::unique_ptr<atomic_file>> pending;
  for (const auto& [path, text] : files) {
    pending.push_back(std::make_unique<atomic_file>(path));
    pending.back()->write(text);
    pending.back()->finish();
  }
  for (auto& f : pending) f->commit();
}

}  // namespace cnnbench
