// cnnbench/backend/cuda/device.hpp: device discovery for exec::cudnn (whether a CUDA device can run the
// policy, and its name). Host-only calls; never throws for a missing device or driver.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/device.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cuda_runtime_api.h>

#include <string>

namespace cnnbench::backend::cuda {

/// Why `device` cannot run the policy, or "" when it can. Never throws for a missing device or
/// driver: those are the answer. Host-only calls; creates the CUDA runtime's state for the process.
inline std::string device_unavailable_reason(int device) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();  // not sticky: clear it
    int driver = 0;
    cudaDriverGetVersion(&driver);
    int runtime = 0;
    cudaRuntimeGetVersion(&runtime);
    std::string why = std::string("cudaGetDeviceCount returned ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
    if (driver == 0) why += "; no CUDA driver (libcuda.so) is installed or loadable";
    else if (driver < runtime)
      why += "; the driver supports CUDA " + std::to_string(driver / 1000) + "." + std::to_string(driver % 1000 / 10) +
             ", the runtime is " + std::to_string(runtime / 1000) + "." + std::to_string(runtime % 1000 / 10);
    return why;
  }
  if (count == 0) return "the CUDA runtime reports 0 devices";
  if (device < 0 || device >= count)
    return "device " + std::to_string(device) + " requested, " + std::to_string(count) + " device(s) present";
  int major = 0, minor = 0;
  if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess ||
      cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device) != cudaSuccess) {
    cudaGetLastError();
    return "cannot query device " + std::to_string(device);
  }
  if (major * 10 + minor < 75)
    return "device " + std::to_string(device) + " has compute capability " + std::to_string(major) + "." + std::to_string(minor) +
           "; CUDA 13 and cuDNN 9 need 7.5 or newer";
  return {};
}

/// The device's name ("NVIDIA H100 80GB HBM3"), or "" when it is unavailable.
inline std::string device_name(int device) {
  if (!device_unavailable_reason(device).empty()) return {};
  cudaDeviceProp p{};
  if (cudaGetDeviceProperties(&p, device) != cudaSuccess) {
    cudaGetLastError();
    return {};
  }
  return p.name;
}

}  // namespace cnnbench::backend::cuda
