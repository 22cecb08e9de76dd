// cnnbench/backend/cuda/error.hpp: CUDA, cuDNN, cuBLAS and NVRTC status codes as exceptions.
//
// Every status a call of the cuDNN policy receives goes through CNNBENCH_CUDA_CHECK(call):
//   CNNBENCH_CUDA_CHECK(cudaMalloc(&p, bytes));
// A status other than success throws cnnbench::backend::cuda::cuda_error (a cnnbench::device_error,
// so "[cnnbench.device] ..." and callers that skip on device_error keep working) whose message is
//   <call text>: <STATUS_NAME> (<description>) at <file>:<line>[: <detail>]
// e.g. "cudaMalloc(&p, bytes): cudaErrorMemoryAllocation (out of memory) at runner.hpp:120".
// NVRTC compile failures carry the compiler log as the detail (nvrtc.hpp). The pieces are also
// available separately (call(), status_name(), file(), line(), detail()).
//
// The status-name lookups are host functions of each library; none needs a device.
// Thread safety: everything here is reentrant.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/error.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <nvrtc.h>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "../../error.hpp"

namespace cnnbench::backend::cuda {

/// A CUDA runtime, cuDNN, cuBLAS or NVRTC call failed. Message: see the banner of this header.
class cuda_error : public device_error {
 public:
  cuda_error(std::string call, std::string status_name, std::string description, std::string file, int line,
             std::string detail = {})
      : device_error(format(call, status_name, description, file, line, detail)),
        call_(std::move(call)),
        status_name_(std::move(status_name)),
        file_(std::move(file)),
        line_(line),
        detail_(std::move(detail)) {}

  /// "<call>: <STATUS> (<description>) at <file>:<line>[: <detail>]" (without the "[cnnbench.device] " prefix).
  static std::string format(std::string_view call, std::string_view status_name, std::string_view description,
                            std::string_view file, int line, std::string_view detail = {}) {
    // Appends only (no operator+ on temporaries: g++ 12 reports false -Wrestrict warnings there at -O3).
    const std::string line_text = std::to_string(line);
    std::string m;
    m.reserve(call.size() + status_name.size() + description.size() + file.size() + detail.size() + 32);
    m.append(call).append(": ").append(status_name);
    if (!description.empty() && description != status_name) m.append(" (").append(description).append(")");
    m.append(" at ").append(file).append(":").append(line_text);
    if (!detail.empty()) m.append(": ").append(detail);
    return m;
  }

  const std::string& call() const noexcept { return call_; }
  const std::string& status_name() const noexcept { return status_name_; }
  const std::string& file() const noexcept { return file_; }
  int line() const noexcept { return line_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  std::string call_, status_name_, file_;
  int line_ = 0;
  std::string detail_;
};

namespace detail {
/// The last path component of a __FILE__ (messages stay short; the header name is unique).
constexpr std::string_view file_name(std::string_view path) noexcept {
  const auto slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

/// Name and description of each library's status (host functions, no device needed).
inline std::string status_name(cudaError_t s) { return cudaGetErrorName(s); }
inline std::string status_description(cudaError_t s) { return cudaGetErrorString(s); }
inline std::string status_name(cudnnStatus_t s) { return cudnnGetErrorString(s); }
inline std::string status_description(cudnnStatus_t) {
  char buf[512] = {};
  cudnnGetLastErrorString(buf, sizeof buf);  // cuDNN >= 9: the reason of the last failure on this thread
  return buf;
}
inline std::string status_name(cublasStatus_t s) { return cublasGetStatusName(s); }
inline std::string status_description(cublasStatus_t s) { return cublasGetStatusString(s); }
inline std::string status_name(nvrtcResult s) { return nvrtcGetErrorString(s); }
inline std::string status_description(nvrtcResult) { return {}; }

inline bool ok(cudaError_t s) noexcept { return s == cudaSuccess; }
inline bool ok(cudnnStatus_t s) noexcept { return s == CUDNN_STATUS_SUCCESS; }
inline bool ok(cublasStatus_t s) noexcept { return s == CUBLAS_STATUS_SUCCESS; }
inline bool ok(nvrtcResult s) noexcept { return s == NVRTC_SUCCESS; }

/// Throws cuda_error for a failed status; `call` is the call's source text.
template <class Status>
void check(Status s, const char* call, const char* file, int line, std::string_view detail = {}) {
  if (ok(s)) return;
  if constexpr (std::is_same_v<Status, cudaError_t>) cudaGetLastError();  // clear a non-sticky error
  throw cuda_error(call, status_name(s), status_description(s), std::string(file_name(file)), line, std::string(detail));
}
}  // namespace detail

}  // namespace cnnbench::backend::cuda

/// Evaluates a CUDA runtime / cuDNN / cuBLAS / NVRTC call; throws cuda_error (call text, status
/// name, file:line) unless it returned success.
#define CNNBENCH_CUDA_CHECK(...) ::cnnbench::backend::cuda::detail::check((__VA_ARGS__), #__VA_ARGS__, __FILE__, __LINE__)
