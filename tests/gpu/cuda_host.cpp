// exec::cudnn without a device (label cpu): everything of the GPU policy that a machine without a
// GPU can check. The convolution and pooling plans; the cuDNN algorithm choice; every NVRTC kernel
// compiled to PTX for compute_80 and compute_90 (and CUBIN); the kernels' arithmetic, run on the
// host through the same source text (host_mirror), against the eigen_cpu kernels -- dropout masks bit
// for bit, max pooling's first-maximum rule with ties, padding, losses, optimizers; uneven "same"
// padding done as the plan does it (explicit zero-padding + unpadded convolution) against eigen_cpu's
// padded convolution; error messages; and that without a device available() is false and prepare()
// throws device_error with the reason.
#include <cnnbench/backend/cuda/algorithm.hpp>
#include <cnnbench/backend/cuda/kernel_source.hpp>
#include <cnnbench/backend/cuda/kernels.hpp>
#include <cnnbench/backend/cuda/memory.hpp>
#include <cnnbench/backend/cuda/nvrtc.hpp>
#include <cnnbench/backend/cuda/optimizers.hpp>
#include <cnnbench/backend/cuda/plan.hpp>
#include <cnnbench/backend/eigen/kernels.hpp>
#include <cnnbench/backend/host/losses.hpp>
#include <cnnbench/backend/host/optimizers.hpp>
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/exec/cudnn.hpp>

#include <array>
#include <barrier>
#include <cmath>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"

using namespace cnnbench;
namespace cu = cnnbench::backend::cuda;
namespace be = cnnbench::backend::eigen;
namespace hm = cnnbench::backend::cuda::host_mirror;

namespace {

// ---- the block kernels, emulated on the host ----------------------------------------------------
// The reductions use shared memory and __syncthreads(), so they have no host mirror in the library.
// Here their text runs as written on host threads: each block is 256 std::threads, cnb_shared
// arrays are function-local statics (blocks run one after the other), cnb_sync() is a barrier.
namespace block_emulation {
thread_local int thread_index = 0, block_index = 0;
std::barrier<>* block_barrier = nullptr;
#define cnb_shared static
#define cnb_sync() block_barrier->arrive_and_wait()
#define cnb_thread thread_index
#define cnb_threads 256
#define cnb_block block_index
#define CNNBENCH_TEST_BLOCK_BODY(name, params, args, ...) \
  inline void name(CNNBENCH_CUDA_UNPAREN params) { __VA_ARGS__ }
CNNBENCH_CUDA_BLOCK_KERNELS(CNNBENCH_TEST_BLOCK_BODY)
#undef CNNBENCH_TEST_BLOCK_BODY
#undef cnb_shared
#undef cnb_sync
#undef cnb_thread
#undef cnb_threads
#undef cnb_block

/// Runs body() as `grid` blocks of cu::block_threads threads.
template <class F>
void launch(unsigned grid, F body) {
  static_assert(cu::block_threads == 256);
  for (unsigned b = 0; b < grid; ++b) {
    std::barrier<> bar(cu::block_threads);
    block_barrier = &bar;
    std::vector<std::thread> team;
    for (unsigned t = 0; t < cu::block_threads; ++t)
      team.emplace_back([&, t, b] {
        thread_index = static_cast<int>(t);
        block_index = static_cast<int>(b);
        body();
      });
    for (auto& th : team) th.join();
  }
}
}  // namespace block_emulation

// ---- plans ----------------------------------------------------------------------------------
template <class L, shape In>
constexpr bool plan_matches_layer() {
  constexpr cu::conv_plan p = cu::conv_plan_of<L, In>;
  constexpr shape out = output_shape_v<L, In>;
  return p.consistent() && p.out_h == out.h && p.out_w == out.w && p.filters == out.c;
}

/// Every Conv of a model: the plan gives the layer's output shape (compile time).
template <class Net, shape In>
constexpr bool model_conv_plans_consistent() {
  bool ok = true;
  cnnbench::detail::for_each_type(bound_layers_t<Net, In>{}, [&](auto, auto t) {
    using B = typename decltype(t)::type;
    if constexpr (B::layer::key == std::string_view("conv")) ok = ok && plan_matches_layer<typename B::layer, B::in>();
  });
  return ok;
}
static_assert(model_conv_plans_consistent<models::FashionMnistCnn, models::fashion_mnist_input>());
static_assert(model_conv_plans_consistent<models::Cifar10VggRosetta, models::cifar10_input>());
static_assert(model_conv_plans_consistent<models::KerasCifar10Cnn, models::cifar10_input>());
static_assert(model_conv_plans_consistent<models::LeNetTfMxnet, models::mnist_input>());
static_assert(model_conv_plans_consistent<models::LeNet5, models::mnist_input>());
static_assert(model_conv_plans_consistent<models::CatsVsDogsCnn, models::cats_vs_dogs_input>());

struct expected_conv {
  std::size_t top, bottom, left, right;
  bool explicit_padding;
  std::size_t padded_h, padded_w, cudnn_pad_h, cudnn_pad_w, out_h, out_w;
};

template <class L, shape In>
void check_conv_plan(const expected_conv& e) {
  constexpr cu::conv_plan p = cu::conv_plan_of<L, In>;
  constexpr shape out = output_shape_v<L, In>;
  INFO("Conv<" << L::filters << ", " << L::kernel << ", " << L::stride << ", "
               << (L::pad_mode == padding::same ? "same" : "valid") << "> on " << to_string(In));
  CHECK(p.pad_top == e.top);
  CHECK(p.pad_bottom == e.bottom);
  CHECK(p.pad_left == e.left);
  CHECK(p.pad_right == e.right);
  CHECK(p.explicit_padding == e.explicit_padding);
  CHECK(p.padded_h == e.padded_h);
  CHECK(p.padded_w == e.padded_w);
  CHECK(p.cudnn_pad_h == e.cudnn_pad_h);
  CHECK(p.cudnn_pad_w == e.cudnn_pad_w);
  CHECK(p.out_h == e.out_h);
  CHECK(p.out_w == e.out_w);
  CHECK(p.cudnn_out_h() == out.h);
  CHECK(p.cudnn_out_w() == out.w);
  CHECK(p.consistent());
  CHECK(p.padded_size() == (e.explicit_padding ? In.c * e.padded_h * e.padded_w : 0));
}

// ---- eigen_cpu kernels on one thread -------------------------------------------------------
struct cpu_kernel_env {
  be::thread_pool team{1};
  std::vector<float> workspace;
  be::context ctx(std::size_t batch, bool training, std::uint64_t seed = 0, std::uint64_t step = 0, std::size_t layer = 0) {
    be::context c;
    c.batch = batch;
    c.training = training;
    c.seed = seed;
    c.step = step;
    c.layer = layer;
    c.team = &team;
    c.workspace = workspace.data();
    return c;
  }
};

std::vector<float> random_floats(std::size_t n, std::uint64_t seed, double scale = 1.0) {
  rng r(seed, 3);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(r.symmetric(scale));
  return v;
}
/// Values from a handful of levels: windows with several equal maxima are common.
std::vector<float> tied_floats(std::size_t n, std::uint64_t seed) {
  rng r(seed, 4);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(r.below(4)) * 0.5f - 0.5f;
  return v;
}
double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  return m;
}

template <std::size_t K, std::size_t S, shape In>
void check_max_pool(std::uint64_t seed, std::size_t n) {
  using L = MaxPool<K, S>;
  constexpr shape Out = output_shape_v<L, In>;
  INFO("MaxPool<" << K << ", " << S << "> on " << to_string(In) << ", n " << n);
  const auto x = tied_floats(n * In.size(), seed);
  const auto dy = random_floats(n * Out.size(), seed + 1);
  cpu_kernel_env env;
  be::kernel<L, In> k;
  std::vector<float> y_cpu(n * Out.size()), dx_cpu(n * In.size());
  k.forward(env.ctx(n, true), x.data(), y_cpu.data(), n, nullptr);
  k.backward(env.ctx(n, true), x.data(), y_cpu.data(), dy.data(), dx_cpu.data(), n, nullptr, nullptr);

  std::vector<float> y(n * Out.size()), dx(n * In.size(), NAN);
  std::vector<int> arg(n * Out.size(), -1);
  hm::cnb_maxpool_fwd(static_cast<long long>(n * Out.size()), x.data(), y.data(), arg.data(), int(In.h), int(In.w), int(Out.h),
                      int(Out.w), int(K), int(S));
  hm::cnb_maxpool_bwd(static_cast<long long>(n * In.size()), dy.data(), arg.data(), dx.data(), int(In.h), int(In.w),
                      int(Out.h), int(Out.w), int(K), int(S));
  CHECK(y == y_cpu);
  // Each gradient is a sum of the same terms; with overlapping windows in another order.
  if constexpr (S >= K) CHECK(dx == dx_cpu);
  else CHECK(max_abs_diff(dx, dx_cpu) <= 1e-6);
  // Inference: no index written, same values.
  std::vector<float> y2(n * Out.size());
  hm::cnb_maxpool_fwd(static_cast<long long>(n * Out.size()), x.data(), y2.data(), nullptr, int(In.h), int(In.w), int(Out.h),
                      int(Out.w), int(K), int(S));
  CHECK(y2 == y);
}

template <std::size_t K, std::size_t S, shape In>
void check_avg_pool(std::uint64_t seed, std::size_t n) {
  using L = AvgPool<K, S>;
  constexpr shape Out = output_shape_v<L, In>;
  INFO("AvgPool<" << K << ", " << S << "> on " << to_string(In));
  const auto x = random_floats(n * In.size(), seed), dy = random_floats(n * Out.size(), seed + 1);
  cpu_kernel_env env;
  be::kernel<L, In> k;
  std::vector<float> y_cpu(n * Out.size()), dx_cpu(n * In.size());
  k.forward(env.ctx(n, true), x.data(), y_cpu.data(), n, nullptr);
  k.backward(env.ctx(n, true), x.data(), y_cpu.data(), dy.data(), dx_cpu.data(), n, nullptr, nullptr);
  std::vector<float> y(n * Out.size()), dx(n * In.size());
  const float inv = 1.0f / static_cast<float>(K * K);
  hm::cnb_avgpool_fwd(static_cast<long long>(n * Out.size()), x.data(), y.data(), int(In.h), int(In.w), int(Out.h), int(Out.w),
                      int(K), int(S), inv);
  hm::cnb_avgpool_bwd(static_cast<long long>(n * In.size()), dy.data(), dx.data(), int(In.h), int(In.w), int(Out.h),
                      int(Out.w), int(K), int(S), inv);
  CHECK(y == y_cpu);
  CHECK(max_abs_diff(dx, dx_cpu) <= 1e-6);
}

/// Conv<F, K, S, same> with uneven padding, run as the cuDNN plan runs it: cnb_pad2d into the
/// padded shape, then an unpadded (valid) convolution; input gradient = that of the padded buffer
/// cropped by cnb_crop2d. Compared with eigen_cpu's own padded convolution.
template <std::size_t F, std::size_t K, std::size_t S, shape In>
void check_explicit_padding(std::uint64_t seed, std::size_t n) {
  using Same = Conv<F, K, S, same>;
  constexpr cu::conv_plan p = cu::conv_plan_of<Same, In>;
  static_assert(p.explicit_padding, "this check is for uneven padding");
  constexpr shape Padded{In.c, p.padded_h, p.padded_w};
  using Valid = Conv<F, K, S, valid>;
  static_assert(output_shape_v<Valid, Padded> == output_shape_v<Same, In>);
  constexpr shape Out = output_shape_v<Same, In>;
  INFO("Conv<" << F << ", " << K << ", " << S << ", same> on " << to_string(In) << " via " << to_string(Padded));
  const auto x = random_floats(n * In.size(), seed), w = random_floats(param_count_v<Same, In>, seed + 1, 0.5),
             dy = random_floats(n * Out.size(), seed + 2);

  cpu_kernel_env env;
  env.workspace.assign(std::max(be::kernel<Same, In>::workspace_floats(n), be::kernel<Valid, Padded>::workspace_floats(n)) + 1,
                       0.0f);
  be::kernel<Same, In> same_k;
  std::vector<float> y_ref(n * Out.size()), dx_ref(n * In.size()), dw_ref(w.size(), 0.0f);
  same_k.forward(env.ctx(n, true), x.data(), y_ref.data(), n, w.data());
  same_k.backward(env.ctx(n, true), x.data(), y_ref.data(), dy.data(), dx_ref.data(), n, w.data(), dw_ref.data());

  std::vector<float> xp(n * Padded.size(), NAN);
  hm::cnb_pad2d(static_cast<long long>(xp.size()), x.data(), xp.data(), int(In.h), int(In.w), int(p.padded_h), int(p.padded_w),
                int(p.pad_top), int(p.pad_left));
  be::kernel<Valid, Padded> valid_k;
  std::vector<float> y(n * Out.size()), dxp(n * Padded.size()), dx(n * In.size(), NAN), dw(w.size(), 0.0f);
  valid_k.forward(env.ctx(n, true), xp.data(), y.data(), n, w.data());
  valid_k.backward(env.ctx(n, true), xp.data(), y.data(), dy.data(), dxp.data(), n, w.data(), dw.data());
  hm::cnb_crop2d(static_cast<long long>(dx.size()), dxp.data(), dx.data(), int(In.h), int(In.w), int(p.padded_h),
                 int(p.padded_w), int(p.pad_top), int(p.pad_left));
  CHECK(max_abs_diff(y, y_ref) <= 1e-5);
  CHECK(max_abs_diff(dx, dx_ref) <= 1e-5);
  CHECK(max_abs_diff(dw, dw_ref) <= 1e-4);
}

template <class Opt>
void check_optimizer(const Opt& opt, const char* what) {
  INFO(what);
  const std::size_t n = 257;
  auto p_cpu = random_floats(n, 1, 0.5), p_gpu = p_cpu;
  std::vector<float> s_cpu[2] = {std::vector<float>(n, 0.0f), std::vector<float>(n, 0.0f)};
  std::vector<float> s_gpu[2] = {s_cpu[0], s_cpu[1]};
  for (std::uint64_t t = 1; t <= 4; ++t) {
    const auto g = random_floats(n, 10 + t, 0.1);
    float* state[2] = {s_cpu[0].data(), s_cpu[1].data()};
    cnnbench::backend::host::update(opt, p_cpu.data(), g.data(), state, n, t);
    cu::update_host(opt, t, p_gpu.data(), g.data(), s_gpu[0].data(), s_gpu[1].data(), static_cast<long long>(n));
  }
  for (std::size_t i = 0; i < n; ++i) {
    INFO("parameter " << i);
    REQUIRE(std::fabs(p_gpu[i] - p_cpu[i]) <= 1e-6f * std::max(1.0f, std::fabs(p_cpu[i])));
  }
}

cu::algo_candidate cand(int algo, float ms, std::size_t mem, bool det = true, cudnnMathType_t math = CUDNN_FMA_MATH,
                        cudnnStatus_t status = CUDNN_STATUS_SUCCESS) {
  return {algo, status, ms, mem, det ? CUDNN_DETERMINISTIC : CUDNN_NON_DETERMINISTIC, math};
}

}  // namespace

TEST_CASE("conv plan: symmetric padding goes to cuDNN, uneven padding becomes an explicit step", "[cuda][plan]") {
  // odd kernel, stride 1: TensorFlow's and PyTorch's padding agree, symmetric
  check_conv_plan<Conv<4, 3, 1, same>, shape{2, 8, 8}>({1, 1, 1, 1, false, 8, 8, 1, 1, 8, 8});
  check_conv_plan<Conv<8, 1, 1, same>, shape{3, 4, 4}>({0, 0, 0, 0, false, 4, 4, 0, 0, 4, 4});
  check_conv_plan<Conv<3, 5, 1, same>, shape{1, 6, 9}>({2, 2, 2, 2, false, 6, 9, 2, 2, 6, 9});
  // even kernel, stride 1: total K - 1 is odd, one more after than before
  check_conv_plan<Conv<2, 4, 1, same>, shape{1, 7, 7}>({1, 2, 1, 2, true, 10, 10, 0, 0, 7, 7});
  check_conv_plan<Conv<2, 2, 1, same>, shape{3, 5, 6}>({0, 1, 0, 1, true, 6, 7, 0, 0, 5, 6});
  // stride 2: odd kernel on an even size pads 0 before and 1 after; on an odd size 1 and 1
  check_conv_plan<Conv<3, 3, 2, same>, shape{1, 32, 32}>({0, 1, 0, 1, true, 33, 33, 0, 0, 16, 16});
  check_conv_plan<Conv<3, 3, 2, same>, shape{1, 31, 31}>({1, 1, 1, 1, false, 31, 31, 1, 1, 16, 16});
  // even kernel with an even total: symmetric after all
  check_conv_plan<Conv<4, 4, 2, same>, shape{1, 8, 8}>({1, 1, 1, 1, false, 8, 8, 1, 1, 4, 4});
  // rectangular input: rows uneven, columns even -> explicit (both axes padded in one step)
  check_conv_plan<Conv<2, 3, 2, same>, shape{2, 10, 9}>({0, 1, 1, 1, true, 11, 11, 0, 0, 5, 5});
  // a "same" kernel larger than the input
  check_conv_plan<Conv<2, 5, 1, same>, shape{1, 2, 2}>({2, 2, 2, 2, false, 2, 2, 2, 2, 2, 2});
  // valid: never padded, floor division with strides
  check_conv_plan<Conv<5, 5, 1, valid>, shape{3, 12, 9}>({0, 0, 0, 0, false, 12, 9, 0, 0, 8, 5});
  check_conv_plan<Conv<2, 3, 3, valid>, shape{1, 10, 11}>({0, 0, 0, 0, false, 10, 11, 0, 0, 3, 3});
  check_conv_plan<Conv<2, 3, 2, valid>, shape{1, 3, 3}>({0, 0, 0, 0, false, 3, 3, 0, 0, 1, 1});
  // the published models' convolutions
  STATIC_REQUIRE(!cu::conv_plan_of<Conv<50, 3, 1, same>, shape{3, 32, 32}>.explicit_padding);  // S2
  STATIC_REQUIRE(cu::conv_plan_of<Conv<16, 3>, shape{1, 30, 30}>.out_h == 28);                // S1 (after ZeroPad 1)
}

TEST_CASE("pool plan: output extent, overlap, windows per input, uncovered margin", "[cuda][plan]") {
  constexpr auto a = cu::pool_plan_of<MaxPool<2>, shape{3, 7, 7}>;
  STATIC_REQUIRE(a.kind == cu::pool_kind::max);
  STATIC_REQUIRE((a.out_h == 3 && a.out_w == 3 && !a.overlapping && a.max_windows_per_input == 1));
  STATIC_REQUIRE((a.uncovered_rows == 1 && a.uncovered_cols == 1 && a.records_argmax));
  constexpr auto b = cu::pool_plan_of<MaxPool<3, 1>, shape{2, 5, 6}>;
  STATIC_REQUIRE((b.out_h == 3 && b.out_w == 4 && b.overlapping && b.max_windows_per_input == 9));
  STATIC_REQUIRE((b.uncovered_rows == 0 && b.uncovered_cols == 0));
  constexpr auto c = cu::pool_plan_of<MaxPool<3, 2>, shape{1, 8, 7}>;
  STATIC_REQUIRE((c.out_h == 3 && c.out_w == 3 && c.overlapping && c.max_windows_per_input == 4));
  STATIC_REQUIRE((c.uncovered_rows == 1 && c.uncovered_cols == 0));
  constexpr auto d = cu::pool_plan_of<AvgPool<2, 1>, shape{4, 3, 3}>;
  STATIC_REQUIRE((d.kind == cu::pool_kind::average && d.out_h == 2 && d.out_w == 2 && d.overlapping && !d.records_argmax));
  STATIC_REQUIRE(d.max_windows_per_input == 4);
  constexpr auto e = cu::pool_plan_of<GlobalAvgPool, shape{4, 3, 5}>;
  STATIC_REQUIRE((e.kind == cu::pool_kind::global_average && e.out_h == 1 && e.out_w == 1 && e.max_windows_per_input == 1));
  constexpr auto f = cu::pool_plan_of<MaxPool<2, 3>, shape{1, 8, 8}>;  // stride > window: gaps between windows
  STATIC_REQUIRE((f.out_h == 3 && !f.overlapping && f.max_windows_per_input == 1 && f.uncovered_rows == 0));
  // The windows covering an input row, as the backward kernels enumerate them.
  CHECK(hm::cnb_window_first(0, 3, 1) == 0);
  CHECK(hm::cnb_window_last(0, 1, 3) == 0);
  CHECK(hm::cnb_window_first(4, 3, 1) == 2);
  CHECK(hm::cnb_window_last(4, 1, 3) == 2);
  CHECK(hm::cnb_window_first(4, 3, 2) == 1);  // windows start at 2, 4 contain row 4 (3 x 3, stride 2)
  CHECK(hm::cnb_window_last(4, 2, 3) == 2);
  CHECK(hm::cnb_window_first(6, 2, 2) == 3);  // row 6 of 7 with 2 x 2 windows: window 3 does not exist
  CHECK(hm::cnb_window_last(6, 2, 3) == 2);
  CHECK(hm::cnb_window_first(2, 2, 3) == 1);  // row 2 with windows at 0, 3 (2 x 2, stride 3): none
  CHECK(hm::cnb_window_last(2, 3, 3) == 0);
}

TEST_CASE("algorithm choice: status, determinism, workspace limit, TF32, fastest, no candidate", "[cuda][algorithm]") {
  using cu::algo_requirements;
  const std::vector<cu::algo_candidate> found = {
      cand(1, 0.10f, 1 << 20, false),                                          // fastest but non-deterministic
      cand(5, 0.20f, 64 << 20, true),                                          // deterministic, big workspace
      cand(0, 0.30f, 0, true),                                                 // deterministic, no workspace
      cand(6, 0.05f, 0, true, CUDNN_FMA_MATH, CUDNN_STATUS_NOT_SUPPORTED),     // failed
      cand(2, 0.01f, 0, true, CUDNN_TENSOR_OP_MATH),                           // tensor cores (TF32)
  };
  SECTION("deterministic, no limit, no TF32: the fastest deterministic FP32 one") {
    const auto c = cu::choose_algorithm(found, algo_requirements{true, 0, false}, "conv_1 forward");
    CHECK(c.algo == 5);
    CHECK(c.memory == (64u << 20));
    CHECK(c.math == CUDNN_FMA_MATH);
  }
  SECTION("a workspace limit excludes the big one") {
    CHECK(cu::choose_algorithm(found, algo_requirements{true, 1 << 20, false}, "x").algo == 0);
    CHECK(cu::choose_algorithm(found, algo_requirements{false, 1 << 20, false}, "x").algo == 1);  // exactly at the limit
    CHECK(cu::choose_algorithm(found, algo_requirements{false, (1 << 20) - 1, false}, "x").algo == 0);
  }
  SECTION("non-deterministic allowed: the fastest") { CHECK(cu::choose_algorithm(found, {false, 0, false}, "x").algo == 1); }
  SECTION("TF32 allowed: tensor-op candidates compete, and keep their math type") {
    const auto c = cu::choose_algorithm(found, algo_requirements{true, 0, true}, "x");
    CHECK(c.algo == 2);
    CHECK(c.math == CUDNN_TENSOR_OP_MATH);
  }
  SECTION("TF32 off forces FMA math even for a DEFAULT_MATH result") {
    const std::vector<cu::algo_candidate> v = {cand(3, 0.1f, 0, true, CUDNN_DEFAULT_MATH)};
    CHECK(cu::choose_algorithm(v, {true, 0, false}, "x").math == CUDNN_FMA_MATH);
    CHECK(cu::choose_algorithm(v, {true, 0, true}, "x").math == CUDNN_DEFAULT_MATH);
  }
  SECTION("FP16 down-conversion is never accepted") {
    const std::vector<cu::algo_candidate> v = {cand(3, 0.1f, 0, true, CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION), cand(4, 0.2f, 0)};
    CHECK(cu::choose_algorithm(v, {true, 0, true}, "x").algo == 4);
  }
  SECTION("unmeasured (heuristic) candidates rank after measured ones, in their order") {
    const std::vector<cu::algo_candidate> v = {cand(7, -1.0f, 0), cand(6, -1.0f, 0), cand(1, 0.4f, 0)};
    CHECK(cu::choose_algorithm(v, {true, 0, false}, "x").algo == 1);
    const std::vector<cu::algo_candidate> h = {cand(7, -1.0f, 0, false), cand(6, -1.0f, 0), cand(1, -1.0f, 0)};
    CHECK(cu::choose_algorithm(h, {true, 0, false}, "x").algo == 6);
  }
  SECTION("equal times keep the earlier candidate") {
    const std::vector<cu::algo_candidate> v = {cand(3, 0.2f, 0), cand(4, 0.2f, 0)};
    CHECK(cu::choose_algorithm(v, {true, 0, false}, "x").algo == 3);
  }
  SECTION("nothing acceptable: device_error naming the layer, the settings and every candidate's reason") {
    const std::vector<cu::algo_candidate> v = {cand(0, 0.1f, 0, false), cand(1, 0.2f, 10 << 20),
                                               cand(2, 0.3f, 0, true, CUDNN_FMA_MATH, CUDNN_STATUS_NOT_SUPPORTED)};
    try {
      cu::choose_algorithm(v, {true, 1 << 20, false}, "conv_3 backward filter", cu::conv_direction::backward_filter);
      FAIL("no exception");
    } catch (const device_error& e) {
      const std::string m = e.what();
      INFO(m);
      CHECK(m.find("[cnnbench.device]") == 0);
      CHECK(m.find("conv_3 backward filter") != std::string::npos);
      CHECK(m.find("deterministic on") != std::string::npos);
      CHECK(m.find("0 (non-deterministic)") != std::string::npos);
      CHECK(m.find("1 (needs 10485760 bytes of workspace, the limit is 1048576)") != std::string::npos);
      CHECK(m.find("FFT (status CUDNN_STATUS_NOT_SUPPORTED)") != std::string::npos);
    }
    CHECK_THROWS_AS(cu::choose_algorithm(std::vector<cu::algo_candidate>{}, {}, "x"), device_error);
  }
  SECTION("the process-wide cache of choices") {
    cu::algorithm_cache::clear();
    CHECK_FALSE(cu::algorithm_cache::find("conv|0|1|64"));
    cu::algorithm_cache::store("conv|0|1|64", {3, 10, CUDNN_FMA_MATH, 0.5f});
    const auto c = cu::algorithm_cache::find("conv|0|1|64");
    REQUIRE(c);
    CHECK((c->algo == 3 && c->memory == 10 && c->math == CUDNN_FMA_MATH));
    CHECK_FALSE(cu::algorithm_cache::find("conv|0|1|32"));
    cu::algorithm_cache::clear();
    CHECK_FALSE(cu::algorithm_cache::find("conv|0|1|64"));
  }
  SECTION("conversion from cuDNN's perf structs and algorithm names") {
    cudnnConvolutionBwdDataAlgoPerf_t perf[2] = {};
    perf[0].algo = CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
    perf[0].status = CUDNN_STATUS_SUCCESS;
    perf[0].time = 0.5f;
    perf[0].memory = 123;
    perf[0].determinism = CUDNN_DETERMINISTIC;
    perf[0].mathType = CUDNN_FMA_MATH;
    perf[1].algo = CUDNN_CONVOLUTION_BWD_DATA_ALGO_0;
    perf[1].status = CUDNN_STATUS_SUCCESS;
    perf[1].time = 0.1f;
    perf[1].determinism = CUDNN_NON_DETERMINISTIC;
    const auto v = cu::candidates_from(perf, 2);
    REQUIRE(v.size() == 2);
    CHECK(v[0].algo == 1);
    CHECK(v[0].memory == 123);
    CHECK(cu::choose_algorithm(v, {true, 0, false}, "x").algo == 1);
    CHECK(cu::algorithm_name(cu::conv_direction::forward, CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM) ==
          "IMPLICIT_PRECOMP_GEMM");
    CHECK(cu::algorithm_name(cu::conv_direction::backward_filter, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_FFT_TILING) == "FFT_TILING");
    CHECK(cu::algorithm_name(cu::conv_direction::backward_data, 17) == "#17");
  }
}

TEST_CASE("NVRTC compiles every kernel to PTX for compute_80 and compute_90, and to CUBIN (no device needed)",
          "[cuda][nvrtc]") {
  const auto archs = cu::nvrtc_supported_archs();
  INFO("NVRTC " << cu::nvrtc_version());
  REQUIRE(std::find(archs.begin(), archs.end(), 80) != archs.end());
  REQUIRE(std::find(archs.begin(), archs.end(), 90) != archs.end());
  const std::string src = cu::kernel_source_text();
  for (int arch : {80, 90}) {
    INFO("compute_" << arch);
    const auto ptx = cu::compile_kernels(arch, false, src);
    CHECK_FALSE(ptx.cubin);
    CHECK(ptx.arch == arch);
    CHECK(ptx.image.find(".target sm_" + std::to_string(arch)) != std::string::npos);
    std::size_t entries = 0;
    for (std::size_t p = 0; (p = ptx.image.find(".entry ", p)) != std::string::npos; ++p) ++entries;
    CHECK(entries == cu::kernel_count);
    for (const char* name : cu::kernel_names) {
      INFO("kernel " << name);
      CHECK(ptx.image.find(std::string(".entry ") + name + "(") != std::string::npos);
    }
    CHECK(ptx.log.find("warning") == std::string::npos);
  }
  const auto cubin = cu::compile_kernels(80, true, src);
  CHECK(cubin.cubin);
  REQUIRE(cubin.image.size() > 4);
  CHECK(cubin.image.compare(0, 4, "\x7f" "ELF") == 0);
  // Every name of the X-macro lists is distinct and has its enum value in order.
  CHECK(cu::kernel_count == 18);
  CHECK(std::string(cu::kernel_names[static_cast<std::size_t>(cu::kernel_id::cnb_channel_sum)]) == "cnb_channel_sum");
  CHECK(std::string(cu::kernel_names[static_cast<std::size_t>(cu::kernel_id::cnb_dropout)]) == "cnb_dropout");
  // The source is self-contained text: no CUDA keyword was expanded away by the host's headers.
  CHECK(src.find("#define cnb_kernel extern \"C\" __global__") != std::string::npos);
  CHECK(src.find("__attribute__") == std::string::npos);
}

TEST_CASE("NVRTC errors carry the compiler log, and the compile target follows the device", "[cuda][nvrtc][errors]") {
  try {
    cu::compile_kernels(80, false, "extern \"C\" __global__ void broken(float* x) { x[0] = undefined_name; }\n");
    FAIL("no exception");
  } catch (const cu::cuda_error& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK(e.status_name() == "NVRTC_ERROR_COMPILATION");
    CHECK(m.find("nvrtcCompileProgram") != std::string::npos);
    CHECK(m.find("compute_80") != std::string::npos);
    CHECK(m.find("undefined_name") != std::string::npos);  // the log
    CHECK(e.detail().find("undefined_name") != std::string::npos);
  }
  const std::vector<int> known = {75, 80, 86, 87, 89, 90, 100, 120};
  CHECK(cu::choose_compile_target(80, known) == cu::compile_target{80, true});
  CHECK(cu::choose_compile_target(90, known) == cu::compile_target{90, true});
  CHECK(cu::choose_compile_target(130, known) == cu::compile_target{120, false});  // newer: PTX, JIT by the driver
  CHECK(cu::choose_compile_target(88, known) == cu::compile_target{87, false});    // unknown in between
  CHECK_THROWS_AS(cu::choose_compile_target(70, known), device_error);            // older than all
  CHECK_THROWS_AS(cu::choose_compile_target(80, {}), device_error);
  CHECK(cu::grid_blocks(0) == 0);
  CHECK(cu::grid_blocks(1) == 1);
  CHECK(cu::grid_blocks(256) == 1);
  CHECK(cu::grid_blocks(257) == 2);
  CHECK(cu::grid_blocks(1LL << 40) == 65535u * 8);
}

TEST_CASE("error messages: call text, status name, description, file:line", "[cuda][errors]") {
  CHECK(cu::cuda_error::format("cudaMalloc(&p, n)", "cudaErrorMemoryAllocation", "out of memory", "runner.hpp", 12) ==
        "cudaMalloc(&p, n): cudaErrorMemoryAllocation (out of memory) at runner.hpp:12");
  CHECK(cu::cuda_error::format("f()", "S", "S", "a.hpp", 3, "more") == "f(): S at a.hpp:3: more");
  CHECK(cu::detail::file_name("/x/y/layers.hpp") == "layers.hpp");
  CHECK(cu::detail::file_name("layers.hpp") == "layers.hpp");
  auto expect = [](auto&& throwing, const char* status, const char* call) {
    try {
      throwing();
      FAIL("no exception");
    } catch (const cu::cuda_error& e) {
      const std::string m = e.what();
      INFO(m);
      CHECK(m.find("[cnnbench.device] ") == 0);
      CHECK(m.find(status) != std::string::npos);
      CHECK(m.find(call) != std::string::npos);
      CHECK(m.find("cuda_host.cpp:") != std::string::npos);
      CHECK(e.status_name().rfind(status, 0) == 0);  // starts with
      CHECK(e.line() > 0);
    }
  };
  expect([] { CNNBENCH_CUDA_CHECK(cudaErrorMemoryAllocation); }, "cudaErrorMemoryAllocation", "cudaErrorMemoryAllocation");
  expect([] { CNNBENCH_CUDA_CHECK(CUDNN_STATUS_BAD_PARAM); }, "CUDNN_STATUS_BAD_PARAM", "CUDNN_STATUS_BAD_PARAM");
  expect([] { CNNBENCH_CUDA_CHECK(CUBLAS_STATUS_INVALID_VALUE); }, "CUBLAS_STATUS_INVALID_VALUE", "CUBLAS_STATUS_INVALID_VALUE");
  expect([] { CNNBENCH_CUDA_CHECK(nvrtcGetNumSupportedArchs(nullptr)); }, "NVRTC_ERROR_INVALID_INPUT",
         "nvrtcGetNumSupportedArchs(nullptr)");
  CHECK_NOTHROW(CNNBENCH_CUDA_CHECK(cudaSuccess));
  CHECK_NOTHROW(CNNBENCH_CUDA_CHECK(CUDNN_STATUS_SUCCESS));
  // A cuda_error is a device_error (harnesses that skip on device_error keep working).
  STATIC_REQUIRE(std::is_base_of_v<device_error, cu::cuda_error>);
  if (!exec::cudnn::available()) {
    int n = 0;
    expect([&] { CNNBENCH_CUDA_CHECK(cudaGetDeviceCount(&n)); }, "cudaError", "cudaGetDeviceCount(&n)");
  }
}

TEST_CASE("without a device: available() is false, prepare() throws device_error with the reason", "[cuda][device]") {
  if (exec::cudnn::available()) CNNBENCH_SKIP("this machine has a CUDA device (" + exec::cudnn::device_name() + ")");
  const std::string why = exec::cudnn::unavailable_reason();
  INFO(why);
  CHECK_FALSE(why.empty());
  CHECK_FALSE(exec::cudnn::available(0));
  CHECK_FALSE(exec::cudnn::available(3));
  CHECK(exec::cudnn::device_name().empty());
  network<models::FashionMnistCnn, models::fashion_mnist_input> net(init_scheme::he_uniform, 1);
  try {
    auto run = prepare(exec::cudnn{}, net);
    FAIL("prepare() did not throw");
  } catch (const device_error& e) {
    const std::string m = e.what();
    CHECK(m.find("[cnnbench.device] exec::cudnn: no usable CUDA device 0: ") == 0);
    CHECK(m.find(why) != std::string::npos);
  }
  // fit() goes through prepare(): the same error, before any training.
  dataset d = synthetic_dataset(models::fashion_mnist_input, 8, 10, 1);
  CHECK_THROWS_AS(fit(exec::cudnn{.device = 1}, net, d, optim::sgd{}), device_error);
}

TEST_CASE("exec::cudnn is an execution policy with the documented defaults", "[cuda][policy]") {
  STATIC_REQUIRE(execution_policy<exec::cudnn>);
  STATIC_REQUIRE(execution_policy<const exec::cudnn&>);
  constexpr exec::cudnn p{};
  STATIC_REQUIRE(p.device == 0);
  STATIC_REQUIRE(p.deterministic);
  STATIC_REQUIRE(!p.allow_tf32);
  STATIC_REQUIRE(p.workspace_limit == 0);
  STATIC_REQUIRE(p.seed == 0);
  CHECK(std::string(exec::cudnn::name) == "cudnn");
  using R = decltype(prepare(exec::cudnn{}, std::declval<const network<models::FashionMnistCnn, models::fashion_mnist_input>&>()));
  STATIC_REQUIRE(std::is_same_v<R, cu::runner<models::FashionMnistCnn, models::fashion_mnist_input>>);
  STATIC_REQUIRE(!std::is_copy_constructible_v<R>);
}

TEST_CASE("dropout: the device kernel's mask is eigen_cpu's, bit for bit", "[cuda][dropout]") {
  // The key derivation and the draws are random.hpp's.
  for (std::uint64_t seed : {0ull, 7ull, 0xffffffffffffull})
    for (std::uint64_t step : {0ull, 1ull, 1234ull})
      for (std::uint64_t layer : {0ull, 5ull, 4095ull}) {
        const rng r(seed ^ 0xd50bd0d5ull, (step << 12) + layer);
        const std::uint64_t key = Dropout<0.5>::mask_stream(seed, step, layer).key();
        for (std::uint64_t i : {0ull, 1ull, 99ull, 1ull << 33}) CHECK(hm::cnb_splitmix64(key + i * 0x9e3779b97f4a7c15ull) == r.at(i));
      }
  for (std::uint64_t z : {0ull, 1ull, 0x123456789abcdefull}) CHECK(hm::cnb_splitmix64(z) == cnnbench::detail::splitmix64(z));

  constexpr shape In{3, 5, 7};
  using L = Dropout<0.3>;
  const std::size_t n = 9;
  const auto x = random_floats(n * In.size(), 5);
  for (std::uint64_t step : {0ull, 3ull}) {
    cpu_kernel_env env;
    be::kernel<L, In> k;
    std::vector<float> y_cpu(x.size()), dx_cpu(x.size());
    k.forward(env.ctx(n, true, 42, step, 6), x.data(), y_cpu.data(), n, nullptr);
    k.backward(env.ctx(n, true, 42, step, 6), x.data(), y_cpu.data(), x.data(), dx_cpu.data(), n, nullptr, nullptr);
    const float scale = static_cast<float>(1.0 / (1.0 - 0.3));
    const auto threshold = static_cast<unsigned long long>(0.3 * 4294967296.0);
    std::vector<float> y(x.size()), dx(x.size());
    hm::cnb_dropout(static_cast<long long>(x.size()), x.data(), y.data(), cu::kernel<L, In>::key(42, step, 6), threshold, scale);
    hm::cnb_dropout(static_cast<long long>(x.size()), x.data(), dx.data(), cu::kernel<L, In>::key(42, step, 6), threshold, scale);
    CHECK(std::memcmp(y.data(), y_cpu.data(), y.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(dx.data(), dx_cpu.data(), dx.size() * sizeof(float)) == 0);
    std::size_t kept = 0;
    for (float v : y) kept += v != 0.0f;
    CHECK(kept > x.size() / 2);
    CHECK(kept < x.size());
  }
  // The CPU split over threads does not change the mask, and neither does the device grid: each
  // element's draw depends on its index in the whole batch only.
  be::thread_pool team(3);
  be::kernel<L, In> k;
  std::vector<float> y3(x.size()), y(x.size());
  team.run([&](int t) {
    const auto [b0, b1] = be::thread_pool::split(n, t, 3);
    be::context c;
    c.batch = n;
    c.first = b0;
    c.training = true;
    c.seed = 42;
    c.step = 3;
    c.layer = 6;
    c.team = &team;
    k.forward(c, x.data() + b0 * In.size(), y3.data() + b0 * In.size(), b1 - b0, nullptr);
  });
  hm::cnb_dropout(static_cast<long long>(x.size()), x.data(), y.data(), cu::kernel<L, In>::key(42, 3, 6),
                  static_cast<unsigned long long>(0.3 * 4294967296.0), static_cast<float>(1.0 / 0.7));
  CHECK(y == y3);
}

TEST_CASE("max pooling kernels: the FIRST maximum gets the gradient (ties), as eigen_cpu", "[cuda][pool]") {
  check_max_pool<2, 2, shape{3, 7, 7}>(1, 4);
  check_max_pool<2, 2, shape{16, 28, 28}>(2, 2);  // S1's first pool
  check_max_pool<3, 1, shape{2, 5, 6}>(3, 3);     // overlapping
  check_max_pool<3, 2, shape{2, 9, 8}>(4, 2);     // overlapping, uncovered margin
  check_max_pool<2, 3, shape{1, 8, 8}>(5, 2);     // gaps between windows
  // A window of equal values: only its first element receives the gradient.
  const float x[4] = {1.0f, 1.0f, 1.0f, 1.0f}, dy[1] = {2.0f};
  float y[1], dx[4];
  int arg[1];
  hm::cnb_maxpool_fwd(1, x, y, arg, 2, 2, 1, 1, 2, 2);
  hm::cnb_maxpool_bwd(4, dy, arg, dx, 2, 2, 1, 1, 2, 2);
  CHECK(arg[0] == 0);
  CHECK((dx[0] == 2.0f && dx[1] == 0.0f && dx[2] == 0.0f && dx[3] == 0.0f));
  const float x2[4] = {0.0f, 3.0f, 3.0f, 1.0f};
  hm::cnb_maxpool_fwd(1, x2, y, arg, 2, 2, 1, 1, 2, 2);
  CHECK((y[0] == 3.0f && arg[0] == 1));
}

TEST_CASE("average pooling, global average pooling, padding and bias kernels match eigen_cpu", "[cuda][pool]") {
  check_avg_pool<2, 2, shape{3, 7, 6}>(11, 3);
  check_avg_pool<3, 1, shape{2, 5, 5}>(12, 2);
  check_avg_pool<3, 2, shape{1, 9, 9}>(13, 2);

  constexpr shape In{5, 3, 4};
  const std::size_t n = 3;
  const auto x = random_floats(n * In.size(), 14), dy = random_floats(n * In.c, 15);
  cpu_kernel_env env;
  be::kernel<GlobalAvgPool, In> g;
  std::vector<float> y_cpu(n * In.c), dx_cpu(n * In.size()), y(n * In.c), dx(n * In.size());
  g.forward(env.ctx(n, true), x.data(), y_cpu.data(), n, nullptr);
  g.backward(env.ctx(n, true), x.data(), y_cpu.data(), dy.data(), dx_cpu.data(), n, nullptr, nullptr);
  hm::cnb_gap_fwd(static_cast<long long>(n * In.c), x.data(), y.data(), int(In.h * In.w));
  hm::cnb_gap_bwd(static_cast<long long>(n * In.size()), dy.data(), dx.data(), int(In.h * In.w));
  CHECK(y == y_cpu);
  CHECK(dx == dx_cpu);

  using Z = ZeroPad<2>;
  constexpr shape ZO = output_shape_v<Z, In>;
  be::kernel<Z, In> z;
  const auto dz = random_floats(n * ZO.size(), 16);
  std::vector<float> zy_cpu(n * ZO.size()), zdx_cpu(n * In.size()), zy(n * ZO.size(), NAN), zdx(n * In.size(), NAN);
  z.forward(env.ctx(n, true), x.data(), zy_cpu.data(), n, nullptr);
  z.backward(env.ctx(n, true), x.data(), zy_cpu.data(), dz.data(), zdx_cpu.data(), n, nullptr, nullptr);
  hm::cnb_pad2d(static_cast<long long>(zy.size()), x.data(), zy.data(), int(In.h), int(In.w), int(ZO.h), int(ZO.w), 2, 2);
  hm::cnb_crop2d(static_cast<long long>(zdx.size()), dz.data(), zdx.data(), int(In.h), int(In.w), int(ZO.h), int(ZO.w), 2, 2);
  CHECK(zy == zy_cpu);
  CHECK(zdx == zdx_cpu);

  // bias: y[n][c][p] += b[c]
  std::vector<float> yb(n * In.size(), 1.0f), b = {1, 2, 3, 4, 5};
  hm::cnb_add_bias(static_cast<long long>(yb.size()), yb.data(), b.data(), int(In.c), int(In.h * In.w));
  for (std::size_t i = 0; i < yb.size(); ++i) REQUIRE(yb[i] == 1.0f + b[(i / (In.h * In.w)) % In.c]);
}

TEST_CASE("uneven 'same' padding as planned (explicit zero-padding + valid convolution) equals eigen_cpu's Conv",
          "[cuda][plan][conv]") {
  check_explicit_padding<3, 4, 1, shape{2, 7, 7}>(21, 2);
  check_explicit_padding<2, 2, 1, shape{3, 5, 6}>(22, 3);
  check_explicit_padding<4, 3, 2, shape{2, 8, 8}>(23, 2);
  check_explicit_padding<2, 3, 2, shape{2, 10, 9}>(24, 2);
}

TEST_CASE("loss kernels: per-sample loss, gradient and correct flag equal loss/*.hpp", "[cuda][loss]") {
  const std::size_t n = 13, classes = 10;
  auto z = random_floats(n * classes, 31, 4.0);
  z[3 * classes + 2] = z[3 * classes + 5] = 9.0f;  // a tie: the first maximum is the prediction
  std::vector<std::int32_t> y(n);
  rng r(32);
  for (auto& v : y) v = static_cast<std::int32_t>(r.below(classes));
  y[3] = 5;  // tied with 2, which comes first: not correct
  const float scale = 1.0f / static_cast<float>(n);
  std::vector<float> dz_cpu(n * classes), dz(n * classes);
  const double sum_cpu = cnnbench::backend::host::loss_kernel<loss::softmax_cross_entropy>::forward_backward(z.data(), y.data(), 0, n, classes, scale, dz_cpu.data());
  const std::size_t correct_cpu = cnnbench::backend::host::loss_kernel<loss::softmax_cross_entropy>::correct(z.data(), y.data(), 0, n, classes);
  std::vector<double> l(n);
  std::vector<int> c(n);
  hm::cnb_softmax_xent(static_cast<long long>(n), z.data(), y.data(), int(classes), scale, dz.data(), l.data(), c.data());
  double sum = 0;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sum += l[i];
    correct += static_cast<std::size_t>(c[i]);
  }
  CHECK(std::fabs(sum - sum_cpu) <= 1e-12 * std::fabs(sum_cpu));
  CHECK(correct == correct_cpu);
  CHECK(c[3] == 0);
  CHECK(max_abs_diff(dz, dz_cpu) <= 1e-9);
  hm::cnb_softmax_xent(static_cast<long long>(n), z.data(), y.data(), int(classes), scale, nullptr, l.data(), c.data());  // no gradient

  // binary: one logit, labels 0/1
  auto zb = random_floats(n, 33, 6.0);
  zb[0] = 0.0f;  // exactly 0 predicts class 0
  std::vector<std::int32_t> yb(n);
  for (auto& v : yb) v = static_cast<std::int32_t>(r.below(2));
  std::vector<float> db_cpu(n), db(n);
  const double bsum_cpu = cnnbench::backend::host::loss_kernel<loss::binary_cross_entropy>::forward_backward(zb.data(), yb.data(), 0, n, 1, scale, db_cpu.data());
  const std::size_t bcorrect_cpu = cnnbench::backend::host::loss_kernel<loss::binary_cross_entropy>::correct(zb.data(), yb.data(), 0, n, 1);
  hm::cnb_binary_xent(static_cast<long long>(n), zb.data(), yb.data(), scale, db.data(), l.data(), c.data());
  double bsum = 0;
  std::size_t bcorrect = 0;
  for (std::size_t i = 0; i < n; ++i) {
    bsum += l[i];
    bcorrect += static_cast<std::size_t>(c[i]);
  }
  CHECK(std::fabs(bsum - bsum_cpu) <= 1e-12 * std::fabs(bsum_cpu));
  CHECK(bcorrect == bcorrect_cpu);
  CHECK(max_abs_diff(db, db_cpu) <= 1e-9);
}

TEST_CASE("optimizer kernels (every option) follow optim/*.hpp step by step", "[cuda][optim]") {
  check_optimizer(optim::sgd{.lr = 0.1}, "sgd");
  check_optimizer(optim::sgd{.lr = 0.1, .momentum = 0.9}, "sgd momentum");
  check_optimizer(optim::sgd{.lr = 0.05, .momentum = 0.9, .nesterov = true, .weight_decay = 1e-2}, "sgd nesterov + weight decay");
  check_optimizer(optim::sgd{.lr = 0.1, .momentum = 0.5, .decay = 0.1}, "sgd time decay");
  check_optimizer(optim::adam::pytorch(1e-2), "adam pytorch");
  check_optimizer(optim::adam::keras(1e-2), "adam keras (epsilon hat)");
  check_optimizer(optim::adam{.lr = 1e-2, .weight_decay = 0.1, .decay = 0.05}, "adam weight decay + time decay");
  check_optimizer(optim::rmsprop::pytorch(), "rmsprop pytorch");
  check_optimizer(optim::rmsprop::keras(), "rmsprop keras (epsilon inside)");
  check_optimizer(optim::rmsprop{.lr = 1e-2, .momentum = 0.9, .decay = 0.1}, "rmsprop momentum + decay");
  // The scalars handed to the kernels.
  const auto a = cu::scalars(optim::adam::pytorch(1e-3), 1);
  CHECK(a.step == static_cast<float>(1e-3 / (1.0 - 0.9)));
  CHECK(a.rc2 == static_cast<float>(std::sqrt(1.0 - 0.999)));
  CHECK(a.keras == 0);
  CHECK(cu::scalars(optim::sgd{.lr = 0.1, .decay = 1.0}, 3).lr == static_cast<float>(0.1 / 3.0));
  CHECK(cu::scalars(optim::rmsprop::keras(), 1).inside == 1);
}

TEST_CASE("memory accounting and owning handles", "[cuda][memory]") {
  cu::memory_tracker t;
  t.allocated(100);
  t.allocated(50);
  t.freed(100);
  t.allocated(20);
  CHECK(t.current() == 70);
  CHECK(t.peak() == 150);
  t.freed(1000);  // never below zero
  CHECK(t.current() == 0);
  CHECK(t.peak() == 150);
  // A buffer that was never allocated needs no device.
  cu::device_buffer<float> b(&t);
  CHECK(b.empty());
  CHECK(b.data() == nullptr);
  cu::device_buffer<float> moved = std::move(b);
  CHECK(moved.size() == 0);
  // unique_handle releases exactly once, and not after a move.
  static int released = 0;
  struct release {
    void operator()(int*) const noexcept { ++released; }
  };
  int object = 0;
  {
    cu::unique_handle<int*, release> h(&object);
    auto h2 = std::move(h);
    CHECK_FALSE(h);
    CHECK(h2.get() == &object);
  }
  CHECK(released == 1);
}

TEST_CASE("block kernels (bias gradient, loss reduction) computed as written, on host threads", "[cuda][reduce]") {
  // Conv bias gradient: out[c] = sum over n and p of x[n][c][p]; more elements than threads.
  for (const auto& dims : {std::array<int, 3>{3, 5, 100}, std::array<int, 3>{64, 2, 9}, std::array<int, 3>{7, 10, 1}}) {
    const int N = dims[0], C = dims[1], HW = dims[2];
    INFO("N " << N << " C " << C << " HW " << HW);
    const auto x = random_floats(static_cast<std::size_t>(N * C * HW), 41);
    std::vector<float> out(static_cast<std::size_t>(C), NAN);
    block_emulation::launch(static_cast<unsigned>(C), [&] { block_emulation::cnb_channel_sum(x.data(), out.data(), N, C, HW); });
    for (int c = 0; c < C; ++c) {
      double want = 0;
      for (int n = 0; n < N; ++n)
        for (int p = 0; p < HW; ++p) want += x[static_cast<std::size_t>((n * C + c) * HW + p)];
      REQUIRE(std::fabs(out[static_cast<std::size_t>(c)] - want) <= 1e-5 * (1 + std::fabs(want)));
    }
  }
  // The batch's loss sum and correct count (more samples than threads, and fewer).
  for (int n : {300, 7}) {
    std::vector<double> loss(static_cast<std::size_t>(n));
    std::vector<int> correct(static_cast<std::size_t>(n));
    double want = 0;
    int hits = 0;
    for (int i = 0; i < n; ++i) {
      loss[static_cast<std::size_t>(i)] = 0.01 * i + 1.0 / (i + 1);
      correct[static_cast<std::size_t>(i)] = i % 3 == 0;
      want += loss[static_cast<std::size_t>(i)];
      hits += i % 3 == 0;
    }
    double sum = NAN;
    int count = -1;
    block_emulation::launch(1, [&] { block_emulation::cnb_reduce_loss(n, loss.data(), correct.data(), &sum, &count); });
    CHECK(std::fabs(sum - want) <= 1e-12 * want);
    CHECK(count == hits);
  }
}

namespace {
/// Reference column-major GEMM with BLAS semantics (alpha 1, beta 0).
void reference_gemm(const cu::gemm_call& g) {
  auto at = [&](const float* m, int ld, bool trans, int i, int l) { return trans ? m[l + i * ld] : m[i + l * ld]; };
  for (int i = 0; i < g.m; ++i)
    for (int j = 0; j < g.n; ++j) {
      double s = 0;
      for (int l = 0; l < g.k; ++l)
        s += static_cast<double>(at(g.a, g.lda, g.trans_a == CUBLAS_OP_T, i, l)) * at(g.b, g.ldb, g.trans_b == CUBLAS_OP_T, l, j);
      g.c[i + j * g.ldc] = static_cast<float>(s);
    }
}
}  // namespace

TEST_CASE("Dense's cuBLAS calls (column-major operands, transposes, leading dimensions) compute eigen_cpu's Dense",
          "[cuda][dense]") {
  constexpr shape In{13};
  constexpr std::size_t U = 9, n = 5;
  using L = Dense<U>;
  const auto x = random_floats(n * In.c, 51), w = random_floats(param_count_v<L, In>, 52, 0.5), dy = random_floats(n * U, 53);
  cpu_kernel_env env;
  be::kernel<L, In> k;
  std::vector<float> y_cpu(n * U), dx_cpu(n * In.c), dw_cpu(w.size(), 0.0f);
  k.forward(env.ctx(n, true), x.data(), y_cpu.data(), n, w.data());
  k.backward(env.ctx(n, true), x.data(), y_cpu.data(), dy.data(), dx_cpu.data(), n, w.data(), dw_cpu.data());
  const int I = int(In.c), Ui = int(U), N = int(n);
  std::vector<float> y(n * U), dx(n * In.c), dw(w.size());
  reference_gemm(cu::dense_gemm::forward(x.data(), w.data(), y.data(), N, I, Ui));
  hm::cnb_add_bias(static_cast<long long>(y.size()), y.data(), w.data() + U * In.c, Ui, 1);  // as the layer does
  reference_gemm(cu::dense_gemm::weight_gradient(x.data(), dy.data(), dw.data(), N, I, Ui));
  reference_gemm(cu::dense_gemm::input_gradient(w.data(), dy.data(), dx.data(), N, I, Ui));
  for (std::size_t u = 0; u < U; ++u) {  // the bias gradient (cnb_channel_sum with HW = 1)
    float s = 0;
    for (std::size_t b = 0; b < n; ++b) s += dy[b * U + u];
    dw[U * In.c + u] = s;
  }
  CHECK(max_abs_diff(y, y_cpu) <= 1e-5);
  CHECK(max_abs_diff(dw, dw_cpu) <= 1e-5);
  CHECK(max_abs_diff(dx, dx_cpu) <= 1e-5);
}

TEST_CASE("element-wise add (Residual's sum and its input gradient) and the kernels' tensor offsets", "[cuda][residual]") {
  const auto a = random_floats(37, 91), b = random_floats(37, 92);
  std::vector<float> y(a.size());
  hm::cnb_add(static_cast<long long>(a.size()), a.data(), b.data(), y.data());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(y[i] == a[i] + b[i]);
  // offsets from the layers' declared specs: bias after the weight, gamma/beta, mean/variance
  static_assert(cu::kernel<BatchNorm<>, shape{3, 4, 4}>::gamma_at == 0 && cu::kernel<BatchNorm<>, shape{3, 4, 4}>::beta_at == 3);
  static_assert(cu::kernel<BatchNorm<>, shape{3, 4, 4}>::mean_at == 0 && cu::kernel<BatchNorm<>, shape{3, 4, 4}>::var_at == 3);
  static_assert(cnnbench::backend::tensor_offset<Conv<4, 3>, shape{2, 5, 5}>(param_role::bias) == 4 * 2 * 3 * 3);
  static_assert(cnnbench::backend::tensor_offset<Dense<5>, shape{7}>(param_role::bias) == 35);
  // Residual sub-layer ids and branch buffers: as eigen_cpu's
  using R = Residual<Conv<4, 3, 1, same, no_bias>, BatchNorm<>, Shortcut<Conv<4, 1, 1, valid, no_bias>>>;
  using K = cu::kernel<R, shape{2, 5, 5}>;
  cu::device_context ctx;
  ctx.layer = 3;
  CHECK(K::first_id(ctx) == 2048 + 32 * 3);
  static_assert(K::main_chain::size == 2 && K::short_chain::size == 1);
  static_assert(K::short_params[0] == 4 * 2 * 3 * 3 + 2 * 4);  // after the main branch's conv weight and BatchNorm
}
