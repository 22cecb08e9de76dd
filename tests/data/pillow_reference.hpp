// tests/data/pillow_reference.hpp: runs tests/scripts/pillow_image_reference.py (Pillow, Debian
// python3-pil) on a job file, and compares uint8 images (max and mean absolute difference in levels).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

namespace pillow_ref {
namespace fs = std::filesystem;
using bytes = std::vector<std::uint8_t>;

/// A fresh folder under the test work directory.
inline fs::path work_dir(const std::string& group, const std::string& test) {
  const fs::path d = fs::path(CNNBENCH_TEST_WORK_DIR) / group / test;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

inline bytes read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline bool write_bytes(const fs::path& p, const std::uint8_t* data, std::size_t n) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n));
  return out.good();
}
inline bool write_bytes(const fs::path& p, const bytes& b) { return write_bytes(p, b.data(), b.size()); }

/// Runs the reference on `jobs` (one job per line, see the script). Returns "" on success, else the
/// reason to skip ("python3-pil not installed") or the failure (prefixed "FAILED: ").
inline std::string run(const fs::path& dir, const std::string& jobs) {
  const fs::path job_file = dir / "jobs.txt", err = dir / "stderr.txt";
  {
    std::ofstream out(job_file);
    out << jobs;
  }
  const std::string cmd = std::string("'") + CNNBENCH_TEST_PYTHON + "' '" + CNNBENCH_TEST_SCRIPTS +
                          "/pillow_image_reference.py' '" + job_file.string() + "' 2>'" + err.string() + "'";
  const int rc = std::system(cmd.c_str());
  if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0) return {};
  if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 3)
    return std::string("Pillow (Debian python3-pil) not available to ") + CNNBENCH_TEST_PYTHON;
  if (rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 127) return std::string("no Python at ") + CNNBENCH_TEST_PYTHON;
  const bytes e = read_bytes(err);
  return "FAILED: " + cmd + ": " + std::string(e.begin(), e.end());
}

struct difference {
  int max = 0;
  double mean = 0;
  std::size_t count = 0;  ///< values that differ
};
inline difference compare(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
  difference d;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const int x = std::abs(int(a[i]) - int(b[i]));
    d.max = std::max(d.max, x);
    sum += x;
    d.count += x != 0;
  }
  d.mean = n ? sum / static_cast<double>(n) : 0;
  return d;
}
inline std::string str(const difference& d) {
  std::ostringstream s;
  s << "max " << d.max << ", mean " << d.mean << ", " << d.count << " values differ";
  return s.str();
}

/// %.17g: a double that Python's float() reads back exactly.
inline std::string exact(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

}  // namespace pillow_ref
