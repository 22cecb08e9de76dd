// Every layer's CPU kernel, forward and backward, against the independent double-precision reference
// (tests/support/reference.hpp): forward outputs must agree to float precision, and the backward
// pass (input gradient and parameter gradient for a loss L = sum(y * r), r random) must agree with
// central finite differences of the reference computed in double precision.
// Shapes are drawn at compile time by a seeded generator (varied, and reproducible).
#include <cnnbench/backend/eigen/kernels.hpp>
#include <cnnbench/random.hpp>

#include <cmath>
#include <vector>

#include "support/catch.hpp"
#include "support/reference.hpp"

using namespace cnnbench;
namespace be = cnnbench::backend::eigen;

namespace {

/// A shape drawn from `seed`: c in [1, max_c], h and w in [lo, hi].
constexpr shape random_shape(std::uint64_t seed, std::size_t max_c, std::size_t lo, std::size_t hi) {
  rng r(seed, 77);
  const std::size_t c = 1 + r.below(max_c);
  const std::size_t h = lo + r.below(hi - lo + 1);
  const std::size_t w = lo + r.below(hi - lo + 1);
  return shape{c, h, w};
}

struct tolerance {
  double forward = 2e-5;   // relative to max(1, max |y|)
  double gradient = 2e-4;  // relative to max(1e-3, max |g|) over the tested components
};

/// Runs the whole check for layer L on input shape In with a batch of n samples.
template <class L, shape In>
void check_layer(std::uint64_t seed, bool training, std::size_t n = 3, tolerance tol = {}) {
  constexpr shape Out = output_shape_v<L, In>;
  constexpr std::size_t P = param_count_v<L, In>, S = state_count_v<L, In>;
  INFO("layer " << (summary<L, In>().rows[0].type) << " input " << to_string(In) << " output " << to_string(Out)
                << (training ? " training" : " inference") << " n " << n);
  rng r(seed);
  std::vector<float> x(n * In.size()), w(P), dy(n * Out.size()), state(S);
  for (auto& v : x) v = static_cast<float>(r.symmetric(1.0));
  for (auto& v : w) v = static_cast<float>(r.symmetric(0.5));
  for (auto& v : dy) v = static_cast<float>(r.symmetric(1.0));
  if constexpr (S > 0) {  // BatchNorm: a non-trivial running mean and a positive running variance
    for (std::size_t c = 0; c < In.c; ++c) {
      state[c] = static_cast<float>(r.symmetric(0.3));
      state[In.c + c] = static_cast<float>(0.5 + r.uniform01());
    }
    for (std::size_t c = 0; c < In.c; ++c) w[c] = static_cast<float>(0.5 + r.uniform01());  // gamma away from 0
  }
  const std::vector<double> xd(x.begin(), x.end()), wd(w.begin(), w.end()), rd(dy.begin(), dy.end());
  std::vector<double> state_d(state.begin(), state.end());

  // ---- forward
  be::thread_pool team(1);
  be::kernel<L, In> k;
  if constexpr (be::has_prepare<be::kernel<L, In>>) k.prepare(1, n);
  std::vector<float> ws(std::max<std::size_t>(1, be::kernel<L, In>::workspace_floats(n)));
  std::vector<float> state_run = state;  // the kernel updates running statistics in training
  be::context ctx;
  ctx.batch = n;
  ctx.training = training;
  ctx.seed = seed;
  ctx.step = 3;
  ctx.layer = 5;
  ctx.workspace = ws.data();
  ctx.state = state_run.data();
  ctx.team = &team;
  std::vector<float> y(n * Out.size(), NAN);
  k.forward(ctx, x.data(), y.data(), n, w.data());

  const ref::mode m{training, seed, 3, 5, nullptr};
  std::vector<double> state_ref = state_d;
  ref::mode m_state = m;
  m_state.state = state_ref.data();
  std::vector<double> yr(n * Out.size());
  ref::layer<L, In>::forward(xd.data(), yr.data(), n, wd.data(), training ? m : m_state);
  if (!training) m_state.state = nullptr;
  double ymax = 1;
  for (double v : yr) ymax = std::max(ymax, std::fabs(v));
  for (std::size_t i = 0; i < y.size(); ++i) {
    INFO("output element " << i);
    REQUIRE(std::fabs(y[i] - yr[i]) <= tol.forward * ymax);
  }
  if constexpr (S > 0) {
    if (training) {  // running statistics moved like the reference's
      std::vector<double> st = state_d;
      ref::mode ms = m;
      ms.state = st.data();
      std::vector<double> tmp(n * Out.size());
      ref::layer<L, In>::forward(xd.data(), tmp.data(), n, wd.data(), ms);
      for (std::size_t i = 0; i < S; ++i) REQUIRE(std::fabs(state_run[i] - st[i]) <= 1e-5 * (1 + std::fabs(st[i])));
    }
  }

  // ---- backward
  std::vector<float> dx(n * In.size(), NAN), dw(P, 0.0f);
  k.backward(ctx, x.data(), y.data(), dy.data(), dx.data(), n, w.data(), dw.data());

  // L(x, w) = sum(ref(x, w) * r), in double; the reference uses the kernel's statistics mode.
  auto objective = [&](const std::vector<double>& xv, const std::vector<double>& wv) {
    std::vector<double> out(n * Out.size());
    std::vector<double> st = state_d;
    ref::mode mm = m;
    if (!training) mm.state = st.data();
    ref::layer<L, In>::forward(xv.data(), out.data(), n, wv.data(), mm);
    double s = 0;
    for (std::size_t i = 0; i < out.size(); ++i) s += out[i] * rd[i];
    return s;
  };
  const double h = 1e-6;
  auto check_gradient = [&](const char* what, const std::vector<float>& analytic, bool of_input) {
    std::vector<std::size_t> picks;
    const std::size_t count = analytic.size();
    if (count <= 200) {
      for (std::size_t i = 0; i < count; ++i) picks.push_back(i);
    } else {
      rng pr(seed, 99);
      for (int i = 0; i < 200; ++i) picks.push_back(static_cast<std::size_t>(pr.below(count)));
    }
    std::vector<double> fd(picks.size());
    double gmax = 1e-3;
    for (std::size_t j = 0; j < picks.size(); ++j) {
      std::vector<double> xp = xd, wp = wd, xm = xd, wm = wd;
      (of_input ? xp : wp)[picks[j]] += h;
      (of_input ? xm : wm)[picks[j]] -= h;
      fd[j] = (objective(xp, wp) - objective(xm, wm)) / (2 * h);
      gmax = std::max(gmax, std::fabs(fd[j]));
    }
    for (std::size_t j = 0; j < picks.size(); ++j) {
      INFO(what << " component " << picks[j] << ": analytic " << analytic[picks[j]] << ", finite difference " << fd[j]);
      REQUIRE(std::fabs(analytic[picks[j]] - fd[j]) <= tol.gradient * gmax);
    }
  };
  check_gradient("dL/dx", dx, true);
  if constexpr (P > 0) check_gradient("dL/dw", dw, false);
}

template <std::uint64_t Seed, std::size_t F, std::size_t K, std::size_t S, padding Pad>
void conv_case() {
  constexpr shape in = random_shape(Seed, 4, Pad == padding::same ? 1 : K, K + 9);
  check_layer<Conv<F, K, S, Pad>, in>(Seed, false, 2);
}

}  // namespace

TEST_CASE("Conv kernel vs reference: forward and gradients, valid and same, strides 1-3, kernels 1-5", "[layers][conv]") {
  conv_case<1, 4, 3, 1, valid>();
  conv_case<2, 3, 1, 1, valid>();  // pointwise
  conv_case<3, 5, 5, 1, valid>();
  conv_case<4, 2, 3, 2, valid>();
  conv_case<5, 3, 2, 3, valid>();
  conv_case<6, 4, 3, 1, same>();
  conv_case<7, 2, 4, 1, same>();   // even kernel: TensorFlow's uneven padding
  conv_case<8, 3, 3, 2, same>();
  conv_case<9, 2, 5, 1, same>();
  // A layer with enough small samples that several are packed into one GEMM (the grouped path).
  check_layer<Conv<6, 3>, shape{3, 7, 7}>(10, false, 11);
  check_layer<Conv<5, 3, 1, same>, shape{2, 4, 5}>(11, false, 9);
  check_layer<Conv<4, 1>, shape{3, 3, 3}>(12, false, 40);  // pointwise, grouped
}

TEST_CASE("Conv kernel, Winograd F(2x2, 3x3) where the rule picks it: forward and gradients, same and valid, odd width, bias-free", "[layers][conv][winograd]") {
  static_assert(be::kernel<Conv<32, 3, 1, same>, shape{32, 16, 17}>::use_winograd);
  static_assert(be::kernel<Conv<32, 3, 1, valid, no_bias>, shape{32, 18, 18}>::use_winograd);
  static_assert(be::kernel<Conv<64, 3>, shape{64, 15, 15}>::use_winograd);              // S3's conv_4
  static_assert(!be::kernel<Conv<64, 3>, shape{32, 9, 9}>::use_winograd);               // S1's conv_3
  static_assert(be::kernel<Conv<32, 3, 1, same>, shape{3, 32, 32}>::use_winograd);     // S3's conv_1 (RGB)
  static_assert(!be::kernel<Conv<32, 3, 1, same>, shape{2, 16, 16}>::use_winograd);   // 2 input channels
  static_assert(!be::kernel<Conv<16, 3, 1, same>, shape{32, 16, 16}>::use_winograd);  // 16 filters
  static_assert(!be::kernel<Conv<32, 3, 2, same>, shape{32, 16, 16}>::use_winograd);  // stride 2
  check_layer<Conv<32, 3, 1, same>, shape{32, 16, 17}>(51, false, 2);
  check_layer<Conv<32, 3, 1, valid, no_bias>, shape{32, 18, 18}>(52, false, 1);
}

TEST_CASE("ZeroPad, pooling and GlobalAvgPool kernels vs reference", "[layers][pool]") {
  check_layer<ZeroPad<1>, random_shape(21, 3, 1, 8)>(21, false);
  check_layer<ZeroPad<2>, random_shape(22, 3, 1, 8)>(22, false);
  check_layer<MaxPool<2>, random_shape(23, 4, 2, 11)>(23, false);
  check_layer<MaxPool<3, 2>, random_shape(24, 4, 3, 11)>(24, false);
  check_layer<MaxPool<3, 1>, random_shape(25, 2, 3, 9)>(25, false);
  check_layer<AvgPool<2>, random_shape(26, 4, 2, 11)>(26, false);
  check_layer<AvgPool<3, 2>, random_shape(27, 3, 3, 11)>(27, false);
  check_layer<GlobalAvgPool, random_shape(28, 5, 1, 9)>(28, false);
}

TEST_CASE("activation, Softmax, Flatten and Dense kernels vs reference", "[layers][dense]") {
  check_layer<ReLU, random_shape(31, 4, 1, 6)>(31, false);
  check_layer<Sigmoid, random_shape(32, 4, 1, 6)>(32, false);
  check_layer<Tanh, random_shape(33, 4, 1, 6)>(33, false);
  check_layer<Softmax, shape{7}>(34, false);
  check_layer<Softmax, random_shape(35, 5, 1, 4)>(35, false);
  check_layer<Flatten, random_shape(36, 4, 1, 6)>(36, false);
  check_layer<Dense<9>, shape{13}>(37, false, 5);
  check_layer<Dense<1>, shape{4}>(38, false, 2);
  check_layer<Dense<17>, shape{1}>(39, false, 3);
}

TEST_CASE("Dropout kernel: identity at inference, the documented mask in training", "[layers][dropout]") {
  check_layer<Dropout<0.5>, random_shape(41, 4, 1, 6)>(41, false);
  check_layer<Dropout<0.5>, random_shape(42, 4, 1, 6)>(42, true);
  check_layer<Dropout<0.25>, random_shape(43, 4, 2, 8)>(43, true, 4);
  // Kept fraction and scaling over many elements.
  constexpr shape in{8, 16, 16};
  be::thread_pool team(1);
  be::kernel<Dropout<0.25>, in> k;
  be::context ctx;
  ctx.batch = 16;
  ctx.training = true;
  ctx.seed = 9;
  ctx.team = &team;
  std::vector<float> x(16 * in.size(), 1.0f), y(x.size());
  k.forward(ctx, x.data(), y.data(), 16, nullptr);
  std::size_t kept = 0;
  for (float v : y) {
    REQUIRE((v == 0.0f || std::fabs(v - 1.0f / 0.75f) < 1e-6f));
    kept += v != 0.0f;
  }
  const double frac = static_cast<double>(kept) / static_cast<double>(y.size());
  REQUIRE(std::fabs(frac - 0.75) < 0.02);  // 32,768 Bernoulli draws: sd 0.0024
  // Another step draws another mask.
  ctx.step = 1;
  std::vector<float> y2(x.size());
  k.forward(ctx, x.data(), y2.data(), 16, nullptr);
  REQUIRE(y2 != y);
}

TEST_CASE("BatchNorm kernel vs reference: batch statistics in training, running statistics at inference",
          "[layers][batch_norm]") {
  check_layer<BatchNorm<>, random_shape(51, 4, 1, 5)>(51, true, 4);
  check_layer<BatchNorm<>, random_shape(52, 4, 1, 5)>(52, false, 3);
  check_layer<KerasBatchNorm, shape{6}>(53, true, 7);
  check_layer<BatchNorm<1e-3, 0.3>, random_shape(54, 3, 2, 4)>(54, true, 2);
}
