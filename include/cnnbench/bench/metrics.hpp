// cnnbench/bench/metrics.hpp: what the harness measures besides accuracy: time, memory, and the
// environment a result was produced in.
//
//   peak_host_memory   Linux: resets the process's peak resident set (VmHWM, by writing "5" to
//                      /proc/self/clear_refs) before a training run and reads it after, so each
//                      policy and trial gets its own peak, in bytes; it also keeps the resident set
//                      at the reset (the baseline: program, libraries, data), so that peak - baseline
//                      is what the training run itself added. Where the reset is not allowed, the
//                      process-wide peak (getrusage) is reported and `per_run` is false.
//   environment        CPU model and cores, threads used, compiler, library versions, git commit,
//                      date, operating system.
//   set_git_commit     the git commit a program was built from, for environment::capture(): a
//                      run-time value the program sets once, before a run (the library cannot know
//                      it, and no macro changes what a header defines). "unknown" until set. The
//                      examples get it from a source file CMake generates at build time
//                      (examples/build_info.cpp.in):
//                        bench::set_git_commit(cnnbench_example_git_commit());
//                        auto result = bench::run_trials<Net, In>(...);  // result.env.git_commit
#pragma once
#include <sys/resource.h>
#include <sys/utsname.h>
#include <zlib.h>

#include <Eigen/Core>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <utility>

#include "../config.hpp"

namespace cnnbench::bench {

namespace detail {
inline std::string& git_commit_setting() {
  static std::string commit = "unknown";
  return commit;
}
}  // namespace detail

/// Sets the git commit that environment::capture() records (and the reports show). Call it before
/// the run, from one thread: the value is process-wide and not synchronised.
inline void set_git_commit(std::string commit) { detail::git_commit_setting() = std::move(commit); }
/// The git commit set by set_git_commit(), "unknown" until then.
inline const std::string& current_git_commit() { return detail::git_commit_setting(); }

/// Peak resident memory of one training run (bytes).
class peak_host_memory {
 public:
  /// Starts a measurement: resets the kernel's peak-RSS counter when allowed.
  void reset() {
    std::ofstream f("/proc/self/clear_refs");
    per_run_ = static_cast<bool>(f << "5");
    f.close();
    per_run_ = per_run_ && f.good();
    baseline_ = status_bytes("VmRSS:");
  }
  /// Resident set when reset() was called (bytes).
  std::size_t baseline_bytes() const noexcept { return baseline_; }
  /// Peak resident set since reset() (or since the process started, if the reset was refused).
  std::size_t peak_bytes() const {
    if (const std::size_t b = status_bytes("VmHWM:")) return b;
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<std::size_t>(u.ru_maxrss) * 1024;
  }
  /// Whether peak_bytes() is this run's own peak (true) or the whole process's (false).
  bool per_run() const noexcept { return per_run_; }

 private:
  static std::size_t status_bytes(const char* field) {
    std::ifstream f("/proc/self/status");
    std::string key;
    while (f >> key) {
      if (key == field) {
        std::size_t kib = 0;
        f >> kib;
        return kib * 1024;
      }
      f.ignore(1 << 12, '\n');
    }
    return 0;
  }
  bool per_run_ = false;
  std::size_t baseline_ = 0;
};

/// Seconds as "hh:mm:ss" (the write-ups' format).
inline std::string hms(double seconds) {
  const long s = static_cast<long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

/// Where and with what a result was produced.
struct environment {
  std::string cpu;           ///< "AMD EPYC ..." (/proc/cpuinfo model name)
  unsigned cores = 0;        ///< std::thread::hardware_concurrency()
  std::string os;            ///< "Linux 6.1.0 x86_64"
  std::string compiler;      ///< "g++ 12.2.0"
  std::string cnnbench_version = version_string;
  std::string git_commit = "unknown";  ///< current_git_commit() when captured
  std::string eigen_version;
  std::string zlib = ZLIB_VERSION;  // (not "zlib_version": zlib.h defines a macro of that name)
  std::string date;          ///< local time, ISO 8601
  std::string extra;         ///< other libraries (e.g. "PyTorch 1.13.0")

  /// The environment now; git_commit is the one set with set_git_commit().
  static environment capture() {
    environment e;
    e.git_commit = current_git_commit();
    std::ifstream f("/proc/cpuinfo");
    for (std::string line; std::getline(f, line);)
      if (line.rfind("model name", 0) == 0) {
        e.cpu = line.substr(line.find(':') + 2);
        break;
      }
    if (e.cpu.empty()) e.cpu = "unknown";
    e.cores = std::thread::hardware_concurrency();
    utsname u{};
    if (uname(&u) == 0) e.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
#if defined(__clang__)
    e.compiler = std::string("clang++ ") + __clang_version__;
#elif defined(__GNUC__)
    e.compiler = "g++ " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." + std::to_string(__GNUC_PATCHLEVEL__);
#else
    e.compiler = "unknown";
#endif
    e.eigen_version = std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                      std::to_string(EIGEN_MINOR_VERSION);
    const std::time_t now = std::time(nullptr);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
    e.date = buf;
    return e;
  }
};

}  // namespace cnnbench::bench
