// cnnbench/backend/eigen/residual.hpp: Residual under exec::eigen_cpu (see kernel.hpp for the kernel
// interface).
//
// y = Main(x) + Shortcut(x). Each branch is a chain of the policy's own kernels (kernel<L, S> of its
// bound layers, Residual::main_layers / shortcut_layers), run on the thread's slice of the batch;
// their parameters and state sit in the Residual's slice at the offsets the layer declares
// (main_param_offsets, shortcut_param_offsets, ...). Backward sends dy into both branches and adds
// their input gradients. Sub-layers see the layer id 2048 + 32 * ctx.layer + j (j < 16 in the main
// branch, 16 + j in the shortcut), so a Dropout inside a block draws its own masks.
// Each thread keeps its branch activations and gradients in buffers of its own, grown on first use.
#pragma once
#include <algorithm>
#include <array>
#include <cstddef>
#include <tuple>
#include <utility>
#include <vector>

#include "../../residual.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::eigen {

namespace detail {
/// The kernels of one branch (a type_list of bound layers) and how to run them in order.
template <class List>
struct chain;
template <class... Bs>
struct chain<cnnbench::detail::type_list<Bs...>> {
  static constexpr std::size_t size = sizeof...(Bs);
  static constexpr std::array<shape, sizeof...(Bs) + 1> outs = [] {
    std::array<shape, sizeof...(Bs) + 1> a{};
    const shape o[] = {Bs::out..., shape{}};
    for (std::size_t i = 0; i < sizeof...(Bs); ++i) a[i] = o[i];
    return a;
  }();
  std::tuple<kernel<typename Bs::layer, Bs::in>...> kernels;

  static constexpr std::size_t max_out() {
    std::size_t m = 0;
    for (std::size_t i = 0; i < size; ++i) m = std::max(m, outs[i].size());
    return m;
  }
  static constexpr std::size_t workspace_floats([[maybe_unused]] std::size_t rows) {
    std::size_t ws = 0;
    ((ws = std::max(ws, kernel<typename Bs::layer, Bs::in>::workspace_floats(rows))), ...);
    return ws;
  }
  void prepare(int threads, std::size_t capacity) {
    std::apply(
        [&](auto&... k) {
          (
              [&] {
                if constexpr (has_prepare<std::decay_t<decltype(k)>>) k.prepare(threads, capacity);
              }(),
              ...);
        },
        kernels);
  }
  /// Forward through the chain: acts[j] receives the output of layer j.
  template <class Offsets>
  void forward(const context& ctx, std::size_t id0, const Offsets& param_at, const Offsets& state_at, const float* x,
               std::vector<std::vector<float>>& acts, std::size_t n, const float* w, float* state) {
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      (
          [&] {
            context c = ctx;
            c.layer = id0 + J;
            c.state = state + state_at[J];
            const float* in = J == 0 ? x : acts[J == 0 ? 0 : J - 1].data();
            std::get<J>(kernels).forward(c, in, acts[J].data(), n, w + param_at[J]);
          }(),
          ...);
    }(std::make_index_sequence<size>{});
  }
  /// Backward through the chain from dy (the gradient of its last output) to dx (may be nullptr),
  /// with two scratch buffers g used in turn.
  template <class Offsets>
  void backward(const context& ctx, std::size_t id0, const Offsets& param_at, const Offsets& state_at, const float* x,
                const std::vector<std::vector<float>>& acts, const float* dy, float* dx, std::array<std::vector<float>, 2>& g,
                std::size_t n, const float* w, float* dw, float* state) {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (
          [&] {
            constexpr std::size_t J = size - 1 - K;
            context c = ctx;
            c.layer = id0 + J;
            c.state = state + state_at[J];
            const float* in = J == 0 ? x : acts[J == 0 ? 0 : J - 1].data();
            const float* d_out = J + 1 == size ? dy : g[(J + 1) % 2].data();
            float* d_in = J == 0 ? dx : g[J % 2].data();
            std::get<J>(kernels).backward(c, in, acts[J].data(), d_out, d_in, n, w + param_at[J], dw + param_at[J]);
          }(),
          ...);
    }(std::make_index_sequence<size>{});
  }
};
}  // namespace detail

template <class... Ls, shape In>
struct kernel<Residual<Ls...>, In> {
  using R = Residual<Ls...>;
  using main_chain = detail::chain<typename R::template main_layers<In>>;
  using short_chain = detail::chain<typename R::template shortcut_layers<In>>;
  static constexpr shape Out = R::template output_shape<In>;
  static constexpr auto main_params = R::template main_param_offsets<In>;
  static constexpr auto short_params = R::template shortcut_param_offsets<In>;
  static constexpr auto main_state = R::template main_state_offsets<In>;
  static constexpr auto short_state = R::template shortcut_state_offsets<In>;
  static constexpr std::size_t widest = std::max({main_chain::max_out(), short_chain::max_out(), In.size()});

  static constexpr std::size_t workspace_floats(std::size_t rows) {
    return std::max(main_chain::workspace_floats(rows), short_chain::workspace_floats(rows));
  }

  /// One thread's buffers: each branch's activations, two gradient buffers, the branches' dx.
  struct lane {
    std::vector<std::vector<float>> main_acts, short_acts;
    std::array<std::vector<float>, 2> g;
    std::vector<float> d_main, d_short;
    std::size_t rows = 0;
    void grow(std::size_t n) {
      if (n <= rows) return;
      rows = n;
      main_acts.resize(main_chain::size);
      for (std::size_t j = 0; j < main_chain::size; ++j) main_acts[j].assign(n * main_chain::outs[j].size(), 0.0f);
      short_acts.resize(short_chain::size);
      for (std::size_t j = 0; j < short_chain::size; ++j) short_acts[j].assign(n * short_chain::outs[j].size(), 0.0f);
      for (auto& b : g) b.assign(n * widest, 0.0f);
      d_main.assign(n * In.size(), 0.0f);
      d_short.assign(n * In.size(), 0.0f);
    }
  };

  main_chain main;
  short_chain shortcut;
  std::vector<lane> lanes;

  void prepare(int threads, std::size_t capacity) {
    if (lanes.size() != static_cast<std::size_t>(threads)) lanes.assign(static_cast<std::size_t>(threads), lane{});
    main.prepare(threads, capacity);
    shortcut.prepare(threads, capacity);
  }

  static std::size_t first_id(const context& ctx) { return 2048 + 32 * ctx.layer; }

  void forward(const context& ctx, const float* x, float* y, std::size_t n, const float* w) {
    lane& l = lanes[static_cast<std::size_t>(ctx.thread)];
    l.grow(n);
    main.forward(ctx, first_id(ctx), main_params, main_state, x, l.main_acts, n, w, ctx.state);
    const float* m = l.main_acts[main_chain::size - 1].data();
    const std::size_t count = n * Out.size();
    if constexpr (short_chain::size == 0) {
      for (std::size_t i = 0; i < count; ++i) y[i] = m[i] + x[i];
    } else {
      shortcut.forward(ctx, first_id(ctx) + 16, short_params, short_state, x, l.short_acts, n, w, ctx.state);
      const float* s = l.short_acts[short_chain::size - 1].data();
      for (std::size_t i = 0; i < count; ++i) y[i] = m[i] + s[i];
    }
  }

  void backward(const context& ctx, const float* x, const float*, const float* dy, float* dx, std::size_t n, const float* w,
                float* dw) {
    lane& l = lanes[static_cast<std::size_t>(ctx.thread)];
    l.grow(n);
    main.backward(ctx, first_id(ctx), main_params, main_state, x, l.main_acts, dy, dx ? l.d_main.data() : nullptr, l.g, n, w, dw,
                  ctx.state);
    const std::size_t count = n * In.size();
    if constexpr (short_chain::size == 0) {
      if (dx)
        for (std::size_t i = 0; i < count; ++i) dx[i] = l.d_main[i] + dy[i];
    } else {
      shortcut.backward(ctx, first_id(ctx) + 16, short_params, short_state, x, l.short_acts, dy,
                        dx ? l.d_short.data() : nullptr, l.g, n, w, dw, ctx.state);
      if (dx)
        for (std::size_t i = 0; i < count; ++i) dx[i] = l.d_main[i] + l.d_short[i];
    }
  }
};

}  // namespace cnnbench::backend::eigen
