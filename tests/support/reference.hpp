// tests/support/reference.hpp: naive double-precision reference implementations of every layer,
// written from the textbook definitions (direct loops, no im2col, no GEMM), used as the oracle of
// the CPU kernels and, through finite differences, of their gradients.
#pragma once
#include <cnnbench/model.hpp>
#include <cnnbench/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ref {
using cnnbench::shape;

/// What a reference layer needs besides its buffers (mirrors the kernels' context).
struct mode {
  bool training = false;
  std::uint64_t seed = 0, step = 0;
  std::size_t layer = 0;
  double* state = nullptr;  // BatchNorm running mean, var (updated in training)
};

template <class L, shape In>
struct layer;  // forward(x, y, n, w, mode): y = layer(x), all double, NCHW

template <std::size_t P, shape In>
struct layer<cnnbench::ZeroPad<P>, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode&) {
    constexpr shape O = cnnbench::ZeroPad<P>::template output_shape<In>;
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < O.c; ++c)
        for (std::size_t i = 0; i < O.h; ++i)
          for (std::size_t j = 0; j < O.w; ++j) {
            const bool inside = i >= P && i < P + In.h && j >= P && j < P + In.w;
            y[((b * O.c + c) * O.h + i) * O.w + j] = inside ? x[((b * In.c + c) * In.h + i - P) * In.w + j - P] : 0.0;
          }
  }
};

template <std::size_t F, std::size_t K, std::size_t S, cnnbench::padding Pad, cnnbench::bias B, shape In>
struct layer<cnnbench::Conv<F, K, S, Pad, B>, In> {
  using L = cnnbench::Conv<F, K, S, Pad, B>;
  static void forward(const double* x, double* y, std::size_t n, const double* w, const mode&) {
    constexpr shape O = L::template output_shape<In>;
    constexpr long pt = static_cast<long>(L::template pad_top<In>), pl = static_cast<long>(L::template pad_left<In>);
    const double* bias = w + F * In.c * K * K;
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t f = 0; f < F; ++f)
        for (std::size_t oy = 0; oy < O.h; ++oy)
          for (std::size_t ox = 0; ox < O.w; ++ox) {
            double s = B == cnnbench::bias::with_bias ? bias[f] : 0.0;
            for (std::size_t c = 0; c < In.c; ++c)
              for (std::size_t ky = 0; ky < K; ++ky)
                for (std::size_t kx = 0; kx < K; ++kx) {
                  const long iy = static_cast<long>(oy * S + ky) - pt, ix = static_cast<long>(ox * S + kx) - pl;
                  if (iy < 0 || ix < 0 || iy >= static_cast<long>(In.h) || ix >= static_cast<long>(In.w)) continue;
                  s += w[((f * In.c + c) * K + ky) * K + kx] * x[((b * In.c + c) * In.h + iy) * In.w + ix];
                }
            y[((b * F + f) * O.h + oy) * O.w + ox] = s;
          }
  }
};

template <std::size_t K, std::size_t S, shape In>
struct layer<cnnbench::MaxPool<K, S>, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode&) {
    constexpr shape O = cnnbench::MaxPool<K, S>::template output_shape<In>;
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < In.c; ++c)
        for (std::size_t oy = 0; oy < O.h; ++oy)
          for (std::size_t ox = 0; ox < O.w; ++ox) {
            double m = -INFINITY;
            for (std::size_t ky = 0; ky < K; ++ky)
              for (std::size_t kx = 0; kx < K; ++kx)
                m = std::max(m, x[((b * In.c + c) * In.h + oy * S + ky) * In.w + ox * S + kx]);
            y[((b * In.c + c) * O.h + oy) * O.w + ox] = m;
          }
  }
};

template <std::size_t K, std::size_t S, shape In>
struct layer<cnnbench::AvgPool<K, S>, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode&) {
    constexpr shape O = cnnbench::AvgPool<K, S>::template output_shape<In>;
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < In.c; ++c)
        for (std::size_t oy = 0; oy < O.h; ++oy)
          for (std::size_t ox = 0; ox < O.w; ++ox) {
            double s = 0;
            for (std::size_t ky = 0; ky < K; ++ky)
              for (std::size_t kx = 0; kx < K; ++kx) s += x[((b * In.c + c) * In.h + oy * S + ky) * In.w + ox * S + kx];
            y[((b * In.c + c) * O.h + oy) * O.w + ox] = s / (K * K);
          }
  }
};

template <shape In>
struct layer<cnnbench::GlobalAvgPool, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode&) {
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t c = 0; c < In.c; ++c) {
        double s = 0;
        for (std::size_t p = 0; p < In.h * In.w; ++p) s += x[(b * In.c + c) * In.h * In.w + p];
        y[b * In.c + c] = s / static_cast<double>(In.h * In.w);
      }
  }
};

template <class F>
inline void map(const double* x, double* y, std::size_t count, F f) {
  for (std::size_t i = 0; i < count; ++i) y[i] = f(x[i]);
}
template <shape In>
struct layer<cnnbench::ReLU, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode&) {
    map(x, y, n * In.size(), [](double v) { return v > 0 ? v : 0.0; });
  }
};
template <shape In>
struct layer<cnnbench::Sigmoid, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode&) {
    map(x, y, n * In.size(), [](double v) { return 1.0 / (1.0 + std::exp(-v)); });
  }
};
template <shape In>
struct layer<cnnbench::Tanh, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode&) {
    map(x, y, n * In.size(), [](double v) { return std::tanh(v); });
  }
};
template <shape In>
struct layer<cnnbench::Softmax, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode&) {
    const std::size_t hw = In.h * In.w;
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t p = 0; p < hw; ++p) {
        double s = 0;
        for (std::size_t c = 0; c < In.c; ++c) s += std::exp(x[(b * In.c + c) * hw + p]);
        for (std::size_t c = 0; c < In.c; ++c) y[(b * In.c + c) * hw + p] = std::exp(x[(b * In.c + c) * hw + p]) / s;
      }
  }
};
/// Dropout with the documented mask: element e of the whole batch in layer l at step t is kept when the
/// 32-bit draw (rng(seed ^ 0xd50bd0d5, (t << 12) + l).at(e / 2) >> (32 * (e % 2))) & 0xffffffff is at
/// least floor(rate * 2^32); kept values are scaled by 1 / (1 - rate).
template <cnnbench::real Rate, shape In>
struct layer<cnnbench::Dropout<Rate>, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode& m) {
    const double rate = Rate.value();
    const auto threshold = static_cast<std::uint64_t>(rate * 4294967296.0);
    const cnnbench::rng r(m.seed ^ 0xd50bd0d5ull, (m.step << 12) + m.layer);
    for (std::size_t i = 0; i < n * In.size(); ++i) {
      const std::uint64_t u = (r.at(i / 2) >> (32 * (i % 2))) & 0xffffffffull;
      y[i] = (!m.training || rate == 0.0) ? x[i] : (u >= threshold ? x[i] / (1.0 - rate) : 0.0);
    }
  }
};
template <shape In>
struct layer<cnnbench::Flatten, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode&) {
    std::copy(x, x + n * In.size(), y);
  }
};
template <std::size_t U, cnnbench::bias B, shape In>
struct layer<cnnbench::Dense<U, B>, In> {
  static void forward(const double* x, double* y, std::size_t n, const double* w, const mode&) {
    for (std::size_t b = 0; b < n; ++b)
      for (std::size_t u = 0; u < U; ++u) {
        double s = B == cnnbench::bias::with_bias ? w[U * In.c + u] : 0.0;
        for (std::size_t i = 0; i < In.c; ++i) s += w[u * In.c + i] * x[b * In.c + i];
        y[b * U + u] = s;
      }
  }
};
template <cnnbench::real Eps, cnnbench::real Momentum, shape In>
struct layer<cnnbench::BatchNorm<Eps, Momentum>, In> {
  static void forward(const double* x, double* y, std::size_t n, const double* w, const mode& m) {
    const std::size_t hw = In.h * In.w;
    const double eps = Eps.value(), mom = Momentum.value();
    for (std::size_t c = 0; c < In.c; ++c) {
      double mean = 0, var = 0;
      if (m.training) {
        for (std::size_t b = 0; b < n; ++b)
          for (std::size_t p = 0; p < hw; ++p) mean += x[(b * In.c + c) * hw + p];
        mean /= static_cast<double>(n * hw);
        for (std::size_t b = 0; b < n; ++b)
          for (std::size_t p = 0; p < hw; ++p) var += std::pow(x[(b * In.c + c) * hw + p] - mean, 2);
        var /= static_cast<double>(n * hw);
        if (m.state) {
          m.state[c] = (1 - mom) * m.state[c] + mom * mean;
          m.state[In.c + c] = (1 - mom) * m.state[In.c + c] + mom * var * (n * hw) / (n * hw - 1.0);
        }
      } else {
        mean = m.state[c];
        var = m.state[In.c + c];
      }
      for (std::size_t b = 0; b < n; ++b)
        for (std::size_t p = 0; p < hw; ++p) {
          const std::size_t i = (b * In.c + c) * hw + p;
          y[i] = w[c] * (x[i] - mean) / std::sqrt(var + eps) + w[In.c + c];
        }
    }
  }
};

template <shape In>
struct layer<cnnbench::Identity, In> {
  static void forward(const double* x, double* y, std::size_t n, const double*, const mode&) {
    std::copy(x, x + n * In.size(), y);
  }
};

/// A chain of bound layers (a Residual's branch), from x into the returned vector. Parameters and
/// state at the given offsets; sub-layer j gets the layer id id0 + j.
template <class List, class Offsets>
std::vector<double> chain_forward(const double* x, std::size_t n, const double* w, const Offsets& param_at, double* state,
                                  const Offsets& state_at, mode m, std::size_t id0) {
  std::vector<double> cur, next;
  bool first = true;
  cnnbench::detail::for_each_type(List{}, [&](auto index, auto t) {
    using B = typename decltype(t)::type;
    constexpr std::size_t j = decltype(index)::value;
    next.assign(n * B::out.size(), 0.0);
    mode mj = m;
    mj.layer = id0 + j;
    mj.state = state ? state + state_at[j] : nullptr;
    layer<typename B::layer, B::in>::forward(first ? x : cur.data(), next.data(), n, w + param_at[j], mj);
    first = false;
    cur.swap(next);
  });
  return cur;
}

/// Residual: y = Main(x) + Shortcut(x) (Shortcut = identity when it has no layers), straight from
/// the definition; sub-layer ids 2048 + 32 * layer + j (main), + 16 + j (shortcut), as documented.
template <class... Ls, shape In>
struct layer<cnnbench::Residual<Ls...>, In> {
  using R = cnnbench::Residual<Ls...>;
  static void forward(const double* x, double* y, std::size_t n, const double* w, const mode& m) {
    const std::size_t id0 = 2048 + 32 * m.layer;
    const auto main = chain_forward<typename R::template main_layers<In>>(x, n, w, R::template main_param_offsets<In>, m.state,
                                                                          R::template main_state_offsets<In>, m, id0);
    constexpr shape O = R::template output_shape<In>;
    if constexpr (R::identity_shortcut) {
      for (std::size_t i = 0; i < n * O.size(); ++i) y[i] = main[i] + x[i];
    } else {
      const auto sc = chain_forward<typename R::template shortcut_layers<In>>(
          x, n, w, R::template shortcut_param_offsets<In>, m.state, R::template shortcut_state_offsets<In>, m, id0 + 16);
      for (std::size_t i = 0; i < n * O.size(); ++i) y[i] = main[i] + sc[i];
    }
  }
};

/// Whole-model reference forward: logits for n samples, from double parameters and state.
template <class Net, shape In>
std::vector<double> model_forward(const std::vector<double>& params, std::vector<double>* state, const std::vector<double>& x,
                                  std::size_t n, bool training, std::uint64_t seed = 0, std::uint64_t step = 0) {
  using List = cnnbench::bound_layers_t<Net, In>;
  constexpr auto offsets = cnnbench::param_offsets_v<Net, In>;
  constexpr auto soffsets = cnnbench::state_offsets_v<Net, In>;
  std::vector<double> cur = x, next;
  cnnbench::detail::for_each_type(List{}, [&](auto index, auto t) {
    using B = typename decltype(t)::type;
    constexpr std::size_t i = decltype(index)::value;
    next.assign(n * B::out.size(), 0.0);
    mode m{training, seed, step, i, state && !state->empty() ? state->data() + soffsets[i] : nullptr};
    layer<typename B::layer, B::in>::forward(cur.data(), next.data(), n, params.data() + offsets[i], m);
    cur.swap(next);
  });
  return cur;
}

/// Mean softmax cross-entropy of logits (n x classes) with labels.
inline double cross_entropy(const std::vector<double>& z, const std::vector<std::int32_t>& y, std::size_t classes) {
  double total = 0;
  const std::size_t n = y.size();
  for (std::size_t b = 0; b < n; ++b) {
    double m = z[b * classes];
    for (std::size_t k = 1; k < classes; ++k) m = std::max(m, z[b * classes + k]);
    double s = 0;
    for (std::size_t k = 0; k < classes; ++k) s += std::exp(z[b * classes + k] - m);
    total += m + std::log(s) - z[b * classes + static_cast<std::size_t>(y[b])];
  }
  return total / static_cast<double>(n);
}

}  // namespace ref
