// cnnbench/backend/cuda/residual.hpp: Residual under exec::cudnn (see kernel.hpp for the kernel
// interface).
//
// y = Main(x) + Shortcut(x). Each branch is a chain of the policy's own kernels (kernel<L, S> of its
// bound layers, Residual::main_layers / shortcut_layers), each with its own device buffers (the
// branch activations, kept for backward); their parameters and state sit in the Residual's slice at
// the offsets the layer declares (main_param_offsets, shortcut_param_offsets, ...). The sum is the
// element-wise kernel cnb_add; an identity shortcut adds x itself. Backward sends dy into both
// branches and adds their input gradients (cnb_add). Sub-layers see the layer id
// 2048 + 32 * ctx.layer + j (j < 16 in the main branch, 16 + j in the shortcut), exactly as
// backend/eigen/residual.hpp, so a Dropout inside a block draws the same masks under both policies.
// configure() configures every sub-kernel (each with its own context: id, state, name) and grows the
// block's buffers; workspace_bytes() is the largest of the sub-kernels'. describe() lists the
// sub-kernels' algorithms ("residual_1.main.2: forward ...").
#pragma once
#if !defined(CNNBENCH_WITH_CUDA)
#error "cnnbench: backend/cuda/residual.hpp needs CNNBENCH_WITH_CUDA (link cnnbench::cuda)"
#endif
#include <algorithm>
#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "../../residual.hpp"
#include "kernel.hpp"

namespace cnnbench::backend::cuda {

namespace detail {
/// The kernels of one branch (a type_list of bound layers), their output buffers, and how to run
/// them in order.
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
  std::array<device_buffer<float>, size> acts;  ///< acts[j]: the output of layer j
  std::array<std::string, size> names;          ///< "residual_1.main.0", for messages

  static constexpr std::size_t max_out() {
    std::size_t m = 0;
    for (std::size_t i = 0; i < size; ++i) m = std::max(m, outs[i].size());
    return m;
  }
  /// The context of sub-layer J: its id, its state, its name.
  template <std::size_t J, class Offsets>
  device_context sub(const device_context& ctx, std::size_t id0, const Offsets& state_at) const {
    device_context c = ctx;
    c.layer = id0 + J;
    c.state = ctx.state ? ctx.state + state_at[J] : nullptr;
    c.name = names[J];
    return c;
  }
  template <class Offsets>
  void configure(device_context& ctx, std::string_view branch, std::size_t id0, const Offsets& state_at, int n, bool training) {
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      (
          [&] {
            if (names[J].empty()) names[J] = std::string(ctx.name) + "." + std::string(branch) + "." + std::to_string(J);
            device_context c = sub<J>(ctx, id0, state_at);
            std::get<J>(kernels).configure(c, n, training);
            acts[J].track(ctx.memory);
            acts[J].reserve(static_cast<std::size_t>(n) * outs[J].size());
          }(),
          ...);
    }(std::make_index_sequence<size>{});
  }
  std::size_t workspace_bytes() const {
    std::size_t ws = 0;
    std::apply([&](const auto&... k) { ((ws = std::max(ws, static_cast<std::size_t>(k.workspace_bytes()))), ...); }, kernels);
    return ws;
  }
  void describe(std::string& s) const {
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      (
          [&] {
            if constexpr (requires { std::get<J>(kernels).describe(std::string_view{}); }) {
              const std::string d = std::get<J>(kernels).describe(names[J]);
              if (!d.empty()) s += (s.empty() ? "" : "\n") + d;
            }
          }(),
          ...);
    }(std::make_index_sequence<size>{});
  }
  /// Forward through the chain: acts[j] receives the output of layer j.
  template <class Offsets>
  void forward(device_context& ctx, std::size_t id0, const Offsets& param_at, const Offsets& state_at, const float* x, int n,
               const float* w, bool training) {
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      (
          [&] {
            device_context c = sub<J>(ctx, id0, state_at);
            const float* in = J == 0 ? x : acts[J == 0 ? 0 : J - 1].data();
            std::get<J>(kernels).forward(c, in, acts[J].data(), n, w + param_at[J], training);
          }(),
          ...);
    }(std::make_index_sequence<size>{});
  }
  /// Backward through the chain from dy (the gradient of its last output) to dx (may be nullptr),
  /// with two scratch buffers g used in turn.
  template <class Offsets>
  void backward(device_context& ctx, std::size_t id0, const Offsets& param_at, const Offsets& state_at, const float* x,
                const float* dy, float* dx, std::array<device_buffer<float>, 2>& g, int n, const float* w, float* dw) {
    [&]<std::size_t... K>(std::index_sequence<K...>) {
      (
          [&] {
            constexpr std::size_t J = size - 1 - K;
            device_context c = sub<J>(ctx, id0, state_at);
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

  main_chain main;
  short_chain shortcut;
  std::array<device_buffer<float>, 2> g;  ///< a branch's activation gradients, in turn
  device_buffer<float> d_main, d_short;   ///< the branches' input gradients

  static std::size_t first_id(const device_context& ctx) { return 2048 + 32 * ctx.layer; }

  void configure(device_context& ctx, int n, bool training) {
    main.configure(ctx, "main", first_id(ctx), main_state, n, training);
    shortcut.configure(ctx, "shortcut", first_id(ctx) + 16, short_state, n, training);
    for (auto* b : {&g[0], &g[1], &d_main, &d_short}) b->track(ctx.memory);
    if (training) {
      const auto rows = static_cast<std::size_t>(n);
      for (auto& b : g) b.reserve(rows * widest);
      d_main.reserve(rows * In.size());
      if constexpr (short_chain::size > 0) d_short.reserve(rows * In.size());
    }
  }
  std::size_t workspace_bytes() const { return std::max(main.workspace_bytes(), shortcut.workspace_bytes()); }
  std::string describe(std::string_view) const {
    std::string s;
    main.describe(s);
    shortcut.describe(s);
    return s;
  }

  void forward(device_context& ctx, const float* x, float* y, int n, const float* w, bool training) {
    main.forward(ctx, first_id(ctx), main_params, main_state, x, n, w, training);
    const float* m = main.acts[main_chain::size - 1].data();
    const float* s = x;
    if constexpr (short_chain::size > 0) {
      shortcut.forward(ctx, first_id(ctx) + 16, short_params, short_state, x, n, w, training);
      s = shortcut.acts[short_chain::size - 1].data();
    }
    launch::cnb_add(*ctx.kernels, ctx.stream, static_cast<long long>(n) * Out.size(), m, s, y);
  }

  void backward(device_context& ctx, const float* x, const float*, const float* dy, float* dx, int n, const float* w, float* dw) {
    main.backward(ctx, first_id(ctx), main_params, main_state, x, dy, dx ? d_main.data() : nullptr, g, n, w, dw);
    const float* s = dy;
    if constexpr (short_chain::size > 0) {
      shortcut.backward(ctx, first_id(ctx) + 16, short_params, short_state, x, dy, dx ? d_short.data() : nullptr, g, n, w, dw);
      s = d_short.data();
    }
    if (dx) launch::cnb_add(*ctx.kernels, ctx.stream, static_cast<long long>(n) * In.size(), d_main.data(), s, dx);
  }
};

}  // namespace cnnbench::backend::cuda
