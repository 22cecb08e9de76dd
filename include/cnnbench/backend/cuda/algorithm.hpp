// cnnbench/backend/cuda/algorithm.hpp: choosing a cuDNN convolution algorithm.
//
// For each convolution and each direction (forward, backward data, backward filter) the runner asks
// cuDNN for measured candidates (cudnnFindConvolution*Algorithm: every algorithm run once on the
// layer's shapes, results sorted by time) and, if none of those is acceptable, for its heuristic
// ranking (cudnnGetConvolution*Algorithm_v7). choose_algorithm() -- a pure host function, unit-tested
// without a device -- then keeps the candidates that
//   - succeeded (status CUDNN_STATUS_SUCCESS),
//   - are deterministic (CUDNN_DETERMINISTIC) when the policy asks for determinism,
//   - need at most workspace_limit bytes of workspace (0: no limit),
//   - do not use tensor-op math when TF32 is not allowed (CUDNN_TENSOR_OP_MATH*), and never
//     CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION (it may round FP32 data to FP16),
// and returns the fastest (measured time; unmeasured candidates, time < 0, rank after measured ones
// in the order given; ties keep the earlier). With TF32 off, the algorithm runs with CUDNN_FMA_MATH
// (CUDNN_DEFAULT_MATH lets cuDNN use TF32 tensor cores on Ampere and newer). When nothing is
// acceptable it throws device_error listing every candidate and why it was rejected.
// algorithm_cache keeps each search's choice for the rest of the process (as PyTorch's
// cudnn.benchmark cache does): one search per layer configuration, the same choice for every runner.
// search_algorithms / search_and_choose / conv_workspace_size run the cuDNN queries for one
// convolution (conv_problem: its descriptors); backend/cuda/conv.hpp calls them.
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/algorithm.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <cudnn.h>

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "../../error.hpp"
#include "error.hpp"

namespace cnnbench::backend::cuda {

/// Which convolution pass an algorithm is for.
enum class conv_direction { forward, backward_data, backward_filter };

/// "forward", "backward data", "backward filter".
constexpr std::string_view to_string(conv_direction d) noexcept {
  switch (d) {
    case conv_direction::forward: return "forward";
    case conv_direction::backward_data: return "backward data";
    default: return "backward filter";
  }
}

/// cuDNN's name of algorithm `algo` of direction d, e.g. "IMPLICIT_PRECOMP_GEMM", "FFT_TILING", "1".
inline std::string algorithm_name(conv_direction d, int algo) {
  static constexpr const char* fwd[] = {"IMPLICIT_GEMM", "IMPLICIT_PRECOMP_GEMM", "GEMM", "DIRECT",
                                        "FFT", "FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED"};
  static constexpr const char* data[] = {"0", "1", "FFT", "FFT_TILING", "WINOGRAD", "WINOGRAD_NONFUSED"};
  static constexpr const char* filter[] = {"0", "1", "FFT", "3", "WINOGRAD", "WINOGRAD_NONFUSED", "FFT_TILING"};
  auto pick = [&](const auto& names) -> std::string {
    const int n = static_cast<int>(sizeof names / sizeof names[0]);
    if (algo >= 0 && algo < n) return names[algo];
    std::string unknown = "#";
    return unknown.append(std::to_string(algo));
  };
  switch (d) {
    case conv_direction::forward: return pick(fwd);
    case conv_direction::backward_data: return pick(data);
    default: return pick(filter);
  }
}

/// One result of cudnnFind*/Get*_v7, in a form shared by the three directions.
struct algo_candidate {
  int algo = 0;
  cudnnStatus_t status = CUDNN_STATUS_SUCCESS;
  float time_ms = -1.0f;  ///< measured time; < 0 when not measured (heuristic results)
  std::size_t memory = 0; ///< workspace bytes
  cudnnDeterminism_t determinism = CUDNN_DETERMINISTIC;
  cudnnMathType_t math = CUDNN_FMA_MATH;
};

/// What the policy asks of an algorithm.
struct algo_requirements {
  bool deterministic = true;
  std::size_t workspace_limit = 0;  ///< bytes; 0 = no limit
  bool allow_tf32 = false;
};

/// The algorithm to run, its workspace and the math type to set on the convolution descriptor.
struct algo_choice {
  int algo = 0;
  std::size_t memory = 0;
  cudnnMathType_t math = CUDNN_FMA_MATH;
  float time_ms = -1.0f;
};

/// Converts cuDNN's perf results (any of the three cudnnConvolution*AlgoPerf_t).
template <class Perf>
std::vector<algo_candidate> candidates_from(const Perf* perf, int count) {
  std::vector<algo_candidate> v;
  for (int i = 0; i < count; ++i)
    v.push_back({static_cast<int>(perf[i].algo), perf[i].status, perf[i].time, perf[i].memory, perf[i].determinism,
                 perf[i].mathType});
  return v;
}

/// Why `c` is not acceptable under `r`, or "" when it is.
inline std::string rejection(const algo_candidate& c, const algo_requirements& r) {
  if (c.status != CUDNN_STATUS_SUCCESS) return std::string("status ") + cudnnGetErrorString(c.status);
  if (r.deterministic && c.determinism != CUDNN_DETERMINISTIC) return "non-deterministic";
  if (r.workspace_limit > 0 && c.memory > r.workspace_limit)
    return "needs " + std::to_string(c.memory) + " bytes of workspace, the limit is " + std::to_string(r.workspace_limit);
  if (c.math == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION) return "tensor-op math with FP16 down-conversion";
  if (!r.allow_tf32 && c.math == CUDNN_TENSOR_OP_MATH) return "tensor-op (TF32) math, and allow_tf32 is off";
  return {};
}

/// The fastest acceptable candidate (see the banner); throws device_error naming `what` (e.g.
/// "conv_2 forward") and every candidate with its reason when none is acceptable.
inline algo_choice choose_algorithm(std::span<const algo_candidate> candidates, const algo_requirements& r,
                                    std::string_view what, conv_direction d = conv_direction::forward) {
  const algo_candidate* best = nullptr;
  for (const auto& c : candidates) {
    if (!rejection(c, r).empty()) continue;
    if (!best) {
      best = &c;
      continue;
    }
    const bool measured = c.time_ms >= 0, best_measured = best->time_ms >= 0;
    if (measured && (!best_measured || c.time_ms < best->time_ms)) best = &c;
  }
  if (!best) {
    std::string m = "no cuDNN algorithm for " + std::string(what) + " satisfies the policy (deterministic " +
                    (r.deterministic ? "on" : "off") + ", workspace limit " +
                    (r.workspace_limit ? std::to_string(r.workspace_limit) + " bytes" : std::string("none")) + ", TF32 " +
                    (r.allow_tf32 ? "allowed" : "off") + "); candidates:";
    if (candidates.empty()) m += " none";
    for (const auto& c : candidates) m += " " + algorithm_name(d, c.algo) + " (" + rejection(c, r) + ");";
    if (!candidates.empty()) m.pop_back();
    throw device_error(m);
  }
  return {best->algo, best->memory, r.allow_tf32 ? best->math : CUDNN_FMA_MATH, best->time_ms};
}

/// The algorithms chosen so far in this process, keyed by everything the choice depends on (device,
/// direction, shapes, batch size, the policy's settings), so that later runners of the same model
/// (the harness prepares one per trial) do not search again, and choose the same. Thread-safe.
class algorithm_cache {
 public:
  static std::optional<algo_choice> find(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex());
    const auto it = map().find(key);
    if (it == map().end()) return std::nullopt;
    return it->second;
  }
  static void store(const std::string& key, const algo_choice& c) {
    std::lock_guard<std::mutex> lock(mutex());
    map()[key] = c;
  }
  static void clear() {
    std::lock_guard<std::mutex> lock(mutex());
    map().clear();
  }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::map<std::string, algo_choice>& map() {
    static std::map<std::string, algo_choice> m;
    return m;
  }
};

/// The descriptors of one convolution (not owned), what the search and workspace queries need.
struct conv_problem {
  cudnnHandle_t handle = nullptr;
  cudnnTensorDescriptor_t x = nullptr;
  cudnnFilterDescriptor_t w = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnTensorDescriptor_t y = nullptr;
};

/// The workspace algorithm `algo` of direction d needs for this problem (with the math type set on
/// the descriptor); the status says whether cuDNN accepts the algorithm for it.
inline cudnnStatus_t conv_workspace_size(const conv_problem& p, conv_direction d, int algo, std::size_t& bytes) {
  switch (d) {
    case conv_direction::forward:
      return cudnnGetConvolutionForwardWorkspaceSize(p.handle, p.x, p.w, p.conv, p.y,
                                                     static_cast<cudnnConvolutionFwdAlgo_t>(algo), &bytes);
    case conv_direction::backward_data:
      return cudnnGetConvolutionBackwardDataWorkspaceSize(p.handle, p.w, p.y, p.conv, p.x,
                                                          static_cast<cudnnConvolutionBwdDataAlgo_t>(algo), &bytes);
    default:
      return cudnnGetConvolutionBackwardFilterWorkspaceSize(p.handle, p.x, p.y, p.conv, p.w,
                                                            static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo), &bytes);
  }
}

/// cuDNN's candidates for one direction: measured (cudnnFind*, runs each once) or heuristic (v7).
inline std::vector<algo_candidate> search_algorithms(const conv_problem& p, conv_direction d, bool measure) {
  int returned = 0;
  switch (d) {
    case conv_direction::forward: {
      cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
      if (measure)
        CNNBENCH_CUDA_CHECK(cudnnFindConvolutionForwardAlgorithm(p.handle, p.x, p.w, p.conv, p.y,
                                                                 CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned, perf));
      else
        CNNBENCH_CUDA_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(p.handle, p.x, p.w, p.conv,
                                                                   p.y, CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &returned,
                                                                   perf));
      return candidates_from(perf, returned);
    }
    case conv_direction::backward_data: {
      cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
      if (measure)
        CNNBENCH_CUDA_CHECK(cudnnFindConvolutionBackwardDataAlgorithm(p.handle, p.w, p.y, p.conv,
                                                                      p.x, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                                                                      &returned, perf));
      else
        CNNBENCH_CUDA_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(p.handle, p.w, p.y, p.conv,
                                                                        p.x, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT,
                                                                        &returned, perf));
      return candidates_from(perf, returned);
    }
    default: {
      cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
      if (measure)
        CNNBENCH_CUDA_CHECK(cudnnFindConvolutionBackwardFilterAlgorithm(p.handle, p.x, p.y, p.conv,
                                                                        p.w, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                                        &returned, perf));
      else
        CNNBENCH_CUDA_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(p.handle, p.x, p.y, p.conv,
                                                                          p.w, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT,
                                                                          &returned, perf));
      return candidates_from(perf, returned);
    }
  }
}

/// A search for one direction of one convolution: measured candidates (cudnnFind*), then, when none
/// is acceptable, the v7 heuristics too; choose_algorithm() picks. `what` names the layer in errors.
inline algo_choice search_and_choose(const conv_problem& p, conv_direction d, const algo_requirements& r,
                                   const std::string& what) {
  // The math type searched: tensor-op math only when TF32 is allowed (FMA_MATH keeps FP32 exact).
  CNNBENCH_CUDA_CHECK(
      cudnnSetConvolutionMathType(p.conv, r.allow_tf32 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));
  std::vector<algo_candidate> found = search_algorithms(p, d, /*measure=*/true);
  for (const auto& c : found)
    if (rejection(c, r).empty()) return choose_algorithm(found, r, what, d);
  auto heuristic = search_algorithms(p, d, /*measure=*/false);
  for (auto& c : heuristic) c.time_ms = -1.0f;
  found.insert(found.end(), heuristic.begin(), heuristic.end());
  return choose_algorithm(found, r, what, d);
}

}  // namespace cnnbench::backend::cuda
