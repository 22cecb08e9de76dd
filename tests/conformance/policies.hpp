// tests/conformance/policies.hpp: the execution policies the conformance suite runs, one "fixture"
// per policy. Every conformance test is a TEMPLATE_LIST_TEST_CASE over conformance::policies.
//
// A fixture is a type with
//   static constexpr const char* name                      the policy's name, in messages
//   static std::string unavailable()                       "" or why the policy cannot run here (never throws)
//   static auto make(std::uint64_t seed = 0)               the policy value: 1-2 threads, deterministic settings,
//                                                          `seed` for dropout masks
//   static constexpr conformance::tolerances tol           what "the same as the reference" means for it
//   static constexpr bool reference_dropout_masks          true when its dropout masks are the documented
//                                                          counter-based ones (tests/support/reference.hpp)
//   template <class Opt> static std::string refusal(const Opt&)
//                                                          "" or the text of the documented error it raises
//                                                          for an optimizer configuration it does not support
// Adding a policy = one fixture here, one entry in `all_policies`, one executable in tests/CMakeLists.txt.
//
// Which fixtures a build runs: CNNBENCH_CONFORMANCE_POLICY=<fixture name> (one executable per policy,
// so each links only its own target and carries its own ctest label); without it, every fixture
// this translation unit can compile.
#pragma once
#include <cnnbench/cnnbench.hpp>
#ifdef CNNBENCH_WITH_LIBTORCH
#include <cnnbench/exec/libtorch.hpp>
#endif
#ifdef CNNBENCH_WITH_CUDA
#include <cnnbench/exec/cudnn.hpp>
#endif

#include <cstdint>
#include <string>
#include <tuple>
#include <type_traits>

namespace conformance {

/// Tolerances of one policy against the double-precision reference (tests/support/reference.hpp).
struct tolerances {
  double forward;    ///< logits and losses: |got - ref| <= forward * max(1, max |ref|)
  double gradient;   ///< parameter gradients: |got - fd| <= gradient * max(1e-4, max |fd|) (fd: central differences)
  double optimizer;  ///< 3 optimizer steps: |dp - dp_ref| <= optimizer * max |dp_ref| + float rounding of p
  double training;   ///< S1, 10 SGD-momentum steps: per-step loss, relative to eigen_cpu{.threads = 1}
  double weights;    ///< S1 after 10 steps: ||w - w_eigen|| / ||w_eigen||
};

namespace fixtures {

/// exec::eigen_cpu with 2 threads (the batch split and the fixed-order gradient reduction are exercised).
struct eigen_cpu {
  static constexpr const char* name = "eigen_cpu";
  static std::string unavailable() { return {}; }
  static cnnbench::exec::eigen_cpu make(std::uint64_t seed = 0) { return {.threads = 2, .seed = seed}; }
  static constexpr tolerances tol{.forward = 1e-5, .gradient = 1e-4, .optimizer = 1e-5, .training = 1e-4, .weights = 1e-3};
  static constexpr bool reference_dropout_masks = true;
  template <class Opt>
  static std::string refusal(const Opt&) {
    return {};
  }
};

#ifdef CNNBENCH_WITH_LIBTORCH
/// exec::libtorch on the CPU, float32, one torch thread and one BLAS thread (deterministic).
struct libtorch {
  static constexpr const char* name = "libtorch";
  static std::string unavailable() { return {}; }
  static cnnbench::exec::libtorch make(std::uint64_t = 0) { return {.device = "cpu", .threads = 1, .blas_threads = 1}; }
  static constexpr tolerances tol{.forward = 1e-5, .gradient = 1e-4, .optimizer = 1e-5, .training = 1e-4, .weights = 1e-3};
  /// torch draws its own dropout masks (exec/libtorch.hpp).
  static constexpr bool reference_dropout_masks = false;
  /// tf.keras RMSprop (epsilon inside the square root) has no torch.optim equivalent: refused (exec/libtorch.hpp).
  template <class Opt>
  static std::string refusal(const Opt& o) {
    if constexpr (std::is_same_v<Opt, cnnbench::optim::rmsprop>)
      if (o.eps_inside_sqrt) return "has no torch.optim equivalent";
    return {};
  }
};
#endif

#ifdef CNNBENCH_WITH_CUDA
/// exec::cudnn on device 0: deterministic algorithms, TF32 off (FP32 throughout), eigen_cpu's dropout
/// masks. Tolerances as tests/gpu/cudnn_vs_cpu.cpp (1e-4 per layer, 1e-3 over many steps).
struct cudnn {
  static constexpr const char* name = "cudnn";
  static std::string unavailable() {
    try {
      const std::string why = cnnbench::exec::cudnn::unavailable_reason(0);
      return why.empty() ? why : "no CUDA device: " + why;
    } catch (const std::exception& e) {
      return std::string("no CUDA device: ") + e.what();
    }
  }
  static cnnbench::exec::cudnn make(std::uint64_t seed = 0) {
    return {.device = 0, .deterministic = true, .allow_tf32 = false, .workspace_limit = 0, .seed = seed};
  }
  static constexpr tolerances tol{.forward = 1e-4, .gradient = 1e-4, .optimizer = 1e-5, .training = 1e-3, .weights = 1e-3};
  static constexpr bool reference_dropout_masks = true;
  template <class Opt>
  static std::string refusal(const Opt&) {
    return {};
  }
};
#endif

}  // namespace fixtures

/// Every fixture this translation unit can compile.
using all_policies = std::tuple<fixtures::eigen_cpu
#ifdef CNNBENCH_WITH_LIBTORCH
                                ,
                                fixtures::libtorch
#endif
#ifdef CNNBENCH_WITH_CUDA
                                ,
                                fixtures::cudnn
#endif
                                >;

#ifdef CNNBENCH_CONFORMANCE_POLICY
using policies = std::tuple<fixtures::CNNBENCH_CONFORMANCE_POLICY>;
#else
using policies = all_policies;
#endif

}  // namespace conformance

/// First statement of every conformance test: a policy that cannot run here (cudnn without a device)
/// reports the test Skipped ("skipped: <reason>") before anything is asserted.
#define CONFORMANCE_REQUIRE_AVAILABLE()                                     \
  do {                                                                      \
    if (const std::string why_ = TestType::unavailable(); !why_.empty())    \
      CNNBENCH_SKIP(TestType::name << ": " << why_);                        \
  } while (false)
