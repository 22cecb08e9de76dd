// cnnbench/backend/cuda/nvrtc.hpp: run-time compilation of the policy's kernels (NVRTC), the
// per-process module cache, and typed launchers.
//
//   compile_kernels(arch, want_cubin)  compiles kernel_source_text() for compute capability `arch`
//                                      (e.g. 80, 90) to PTX or CUBIN. No device needed (tests use it).
//   kernel_module::for_device(d)       the module for device d: compiled for d's architecture the first
//                                      time any runner needs it (CUBIN for an architecture NVRTC
//                                      knows, else PTX for the newest one it knows, which the driver
//                                      JIT-compiles), loaded with cudaLibraryLoadData (CUDA >= 12.8,
//                                      no libcuda link), and kept for the rest of the process. Thread-safe.
//   launch::cnb_xxx(module, stream, n, args...)   one typed launcher per kernel of kernel_source.hpp,
//                                      generated from the same parameter list as the kernel itself.
// Errors: NVRTC failures throw cuda_error with the compiler log as detail(); a device older than the
// oldest architecture NVRTC targets (sm_75 for CUDA 13) throws device_error.
// Launches are asynchronous on the given stream; a launch error is reported by the launch call.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/nvrtc.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cuda_runtime_api.h>
#include <nvrtc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "../../error.hpp"
#include "../../random.hpp"
#include "error.hpp"
#include "kernel_source.hpp"

namespace cnnbench::backend::cuda {

/// Index of each kernel in kernel_names (same order as the X-macro lists).
enum class kernel_id : std::size_t {
#define CNNBENCH_CUDA_ID(name, ...) name,
  CNNBENCH_CUDA_MAP_KERNELS(CNNBENCH_CUDA_ID) CNNBENCH_CUDA_BLOCK_KERNELS(CNNBENCH_CUDA_ID)
#undef CNNBENCH_CUDA_ID
};

/// Threads per block of every launch (the block kernels' shared arrays assume it).
inline constexpr unsigned block_threads = 256;

/// Blocks for a grid-stride loop over n elements: enough to cover n, at most 65,535 x 8 (each thread
/// then loops). 0 for n <= 0 (nothing is launched).
constexpr unsigned grid_blocks(long long n) noexcept {
  if (n <= 0) return 0;
  const long long b = (n + block_threads - 1) / block_threads;
  return static_cast<unsigned>(b < 65535LL * 8 ? b : 65535LL * 8);
}

/// The architectures this NVRTC can target (compute capability x 10: 75, 80, ...), ascending.
inline std::vector<int> nvrtc_supported_archs() {
  int n = 0;
  CNNBENCH_CUDA_CHECK(nvrtcGetNumSupportedArchs(&n));
  std::vector<int> archs(static_cast<std::size_t>(n));
  if (n > 0) CNNBENCH_CUDA_CHECK(nvrtcGetSupportedArchs(archs.data()));
  std::sort(archs.begin(), archs.end());
  return archs;
}

/// "13.0"
inline std::string nvrtc_version() {
  int major = 0, minor = 0;
  CNNBENCH_CUDA_CHECK(nvrtcVersion(&major, &minor));
  return std::to_string(major) + "." + std::to_string(minor);
}

/// The output of one NVRTC compilation.
struct compiled_kernels {
  std::string image;  ///< PTX text (NUL-terminated by std::string) or CUBIN bytes
  bool cubin = false;
  int arch = 0;       ///< compute capability x 10 it was compiled for
  std::string log;    ///< compiler messages (warnings), possibly empty
};

namespace detail {
struct nvrtc_program {
  nvrtcProgram p = nullptr;
  ~nvrtc_program() {
    if (p) nvrtcDestroyProgram(&p);
  }
};
inline std::string program_log(nvrtcProgram p) {
  std::size_t n = 0;
  if (nvrtcGetProgramLogSize(p, &n) != NVRTC_SUCCESS || n <= 1) return {};
  std::string log(n, '\0');
  if (nvrtcGetProgramLog(p, log.data()) != NVRTC_SUCCESS) return {};
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
  return log;
}
}  // namespace detail

/// Compiles `source` (default: the policy's kernels) for compute capability `arch` (x 10): CUBIN
/// (sm_<arch>) when want_cubin, else PTX (compute_<arch>). Throws cuda_error with the log on failure.
inline compiled_kernels compile_kernels(int arch, bool want_cubin, const std::string& source = kernel_source_text()) {
  detail::nvrtc_program prog;
  CNNBENCH_CUDA_CHECK(nvrtcCreateProgram(&prog.p, source.c_str(), "cnnbench_kernels.cu", 0, nullptr, nullptr));
  const std::string target = std::string("--gpu-architecture=") + (want_cubin ? "sm_" : "compute_") + std::to_string(arch);
  const char* options[] = {target.c_str(), "--std=c++17"};
  const nvrtcResult r = nvrtcCompileProgram(prog.p, 2, options);
  compiled_kernels out;
  out.log = detail::program_log(prog.p);
  if (r != NVRTC_SUCCESS)
    throw cuda_error("nvrtcCompileProgram(cnnbench_kernels.cu, " + target + ")", detail::status_name(r), "", "nvrtc.hpp",
                     __LINE__, "compiler log:\n" + out.log);
  std::size_t n = 0;
  if (want_cubin) {
    CNNBENCH_CUDA_CHECK(nvrtcGetCUBINSize(prog.p, &n));
    out.image.assign(n, '\0');
    CNNBENCH_CUDA_CHECK(nvrtcGetCUBIN(prog.p, out.image.data()));
  } else {
    CNNBENCH_CUDA_CHECK(nvrtcGetPTXSize(prog.p, &n));  // includes the terminating NUL
    out.image.assign(n, '\0');
    CNNBENCH_CUDA_CHECK(nvrtcGetPTX(prog.p, out.image.data()));
    while (!out.image.empty() && out.image.back() == '\0') out.image.pop_back();
  }
  out.cubin = want_cubin;
  out.arch = arch;
  return out;
}

/// What to compile for a device of compute capability `device_arch` (x 10), given the NVRTC's
/// targets: {arch, cubin}. CUBIN for a known architecture; PTX for the newest known one when the
/// device is newer (the driver JIT-compiles it); device_error when it is older than all of them.
struct compile_target {
  int arch = 0;
  bool cubin = false;
  friend bool operator==(const compile_target&, const compile_target&) = default;
};
inline compile_target choose_compile_target(int device_arch, const std::vector<int>& supported) {
  if (supported.empty()) throw device_error("NVRTC " + nvrtc_version() + " reports no supported GPU architecture");
  if (std::find(supported.begin(), supported.end(), device_arch) != supported.end()) return {device_arch, true};
  const int newest = *std::max_element(supported.begin(), supported.end());
  const int oldest = *std::min_element(supported.begin(), supported.end());
  if (device_arch > newest) return {newest, false};
  if (device_arch < oldest)
    throw device_error("the device's compute capability " + std::to_string(device_arch / 10) + "." +
                       std::to_string(device_arch % 10) + " is older than the oldest NVRTC target (sm_" +
                       std::to_string(oldest) + ")");
  // Between known architectures (e.g. a variant): PTX of the newest known one not above it.
  int best = oldest;
  for (int a : supported)
    if (a <= device_arch) best = std::max(best, a);
  return {best, false};
}

/// The compiled and loaded kernels for one architecture (shared by every runner on such devices).
class kernel_module {
 public:
  /// The module for `device` (compiled and loaded on first use, then cached for the process).
  /// Requires `device` to exist; throws cuda_error / device_error.
  static const kernel_module& for_device(int device) {
    int major = 0, minor = 0;
    CNNBENCH_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
    CNNBENCH_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device));
    const int arch = major * 10 + minor;
    static std::mutex mutex;
    // Deliberately never destroyed: the libraries stay loaded until the process ends (unloading
    // them from a static destructor could run after the CUDA runtime has shut down).
    static auto* cache = new std::map<int, std::unique_ptr<kernel_module>>();
    std::lock_guard<std::mutex> lock(mutex);
    auto& slot = (*cache)[arch];
    if (!slot) slot.reset(new kernel_module(compile_kernels_for(arch)));
    return *slot;
  }

  int arch() const noexcept { return compiled_.arch; }
  bool cubin() const noexcept { return compiled_.cubin; }
  /// What the compiler said (warnings), for diagnostics.
  const std::string& log() const noexcept { return compiled_.log; }

  /// Launches kernel k with grid x block threads; args[i] points at argument i.
  void launch(kernel_id k, unsigned grid, unsigned block, void** args, cudaStream_t stream) const {
    if (grid == 0) return;
    CNNBENCH_CUDA_CHECK(cudaLaunchKernel(reinterpret_cast<const void*>(kernels_[static_cast<std::size_t>(k)]),
                                         dim3(grid), dim3(block), args, 0, stream));
  }
  /// A map kernel over n elements (grid-stride loop).
  template <class... A>
  void launch_map(kernel_id k, cudaStream_t stream, long long n, A... a) const {
    void* args[] = {&n, &a...};
    launch(k, grid_blocks(n), block_threads, args, stream);
  }
  /// A block kernel on `grid` blocks of block_threads.
  template <class... A>
  void launch_blocks(kernel_id k, cudaStream_t stream, unsigned grid, A... a) const {
    void* args[] = {&a...};
    launch(k, grid, block_threads, args, stream);
  }

 private:
  static compiled_kernels compile_kernels_for(int arch) {
    const compile_target t = choose_compile_target(arch, nvrtc_supported_archs());
    return compile_kernels(t.arch, t.cubin);
  }
  explicit kernel_module(compiled_kernels c) : compiled_(std::move(c)) {
    CNNBENCH_CUDA_CHECK(cudaLibraryLoadData(&library_, compiled_.image.data(), nullptr, nullptr, 0, nullptr, nullptr, 0));
    for (std::size_t i = 0; i < kernel_count; ++i)
      detail::check(cudaLibraryGetKernel(&kernels_[i], library_, kernel_names[i]), "cudaLibraryGetKernel", __FILE__, __LINE__,
                    kernel_names[i]);
  }

  compiled_kernels compiled_;
  cudaLibrary_t library_ = nullptr;
  std::array<cudaKernel_t, kernel_count> kernels_{};
};

/// Typed launchers, one per kernel, with the kernel's own parameter list:
///   launch::cnb_pad2d(module, stream, n, x, y, H, W, OH, OW, pt, pl);         (map kernels: n elements)
///   launch::cnb_channel_sum(module, stream, grid, x, out, N, C, HW);           (block kernels: grid blocks)
namespace launch {
#define CNNBENCH_CUDA_MAP_LAUNCHER(name, params, args)                                                        \
  inline void name(const kernel_module& cnb_module_, cudaStream_t cnb_stream_, long long cnb_n_,             \
                   CNNBENCH_CUDA_UNPAREN params) {                                                           \
    cnb_module_.launch_map(kernel_id::name, cnb_stream_, cnb_n_, CNNBENCH_CUDA_UNPAREN args);                \
  }
#define CNNBENCH_CUDA_BLOCK_LAUNCHER(name, params, args, ...)                                                 \
  inline void name(const kernel_module& cnb_module_, cudaStream_t cnb_stream_, unsigned cnb_grid_,           \
                   CNNBENCH_CUDA_UNPAREN params) {                                                           \
    cnb_module_.launch_blocks(kernel_id::name, cnb_stream_, cnb_grid_, CNNBENCH_CUDA_UNPAREN args);          \
  }
CNNBENCH_CUDA_MAP_KERNELS(CNNBENCH_CUDA_MAP_LAUNCHER)
CNNBENCH_CUDA_BLOCK_KERNELS(CNNBENCH_CUDA_BLOCK_LAUNCHER)
#undef CNNBENCH_CUDA_MAP_LAUNCHER
#undef CNNBENCH_CUDA_BLOCK_LAUNCHER
}  // namespace launch

}  // namespace cnnbench::backend::cuda
