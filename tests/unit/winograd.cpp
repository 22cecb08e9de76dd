// Winograd F(2x2, 3x3) (backend/eigen/winograd.hpp) on every 3x3 stride-1 layer shape of S1, S2 and
// S3 (whether or not conv.hpp's rule picks it there), on small odd shapes (bands whose tiles do not
// fill whole blocks: the blocks' extra lanes must not reach the output) over several sample blocks and
// on a sample split into bands of tile rows, with a NaN-filled workspace: forward, dL/dx and dL/dw against direct convolution loops in double precision (independent
// of the algorithm), with the error of the same loops in float32 beside it. Prints the table the
// README's Performance section quotes (ctest -V).
#include <cnnbench/backend/eigen/kernels.hpp>
#include <cnnbench/random.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "support/catch.hpp"

using namespace cnnbench;
namespace be = cnnbench::backend::eigen;

namespace {

/// Direct 3x3 stride-1 correlation, NCHW, in T: y = conv(x) + b; dx, dw from dy (dw without bias).
template <class T>
struct direct {
  std::size_t n, c, h, w, f, oh, ow, pt, pl;
  /// fn(output index, input index, weight index) for every tap that lands inside the input, output
  /// by output (sample, channel, row, column), in a fixed order.
  template <class Fn>
  void each_tap(Fn&& fn) const {
    for (std::size_t s = 0; s < n; ++s)
      for (std::size_t o = 0; o < f; ++o)
        for (std::size_t oy = 0; oy < oh; ++oy)
          for (std::size_t ox = 0; ox < ow; ++ox)
            for (std::size_t i = 0; i < c; ++i)
              for (std::size_t ky = 0; ky < 3; ++ky)
                for (std::size_t kx = 0; kx < 3; ++kx) {
                  const std::ptrdiff_t iy = std::ptrdiff_t(oy + ky) - std::ptrdiff_t(pt);
                  const std::ptrdiff_t ix = std::ptrdiff_t(ox + kx) - std::ptrdiff_t(pl);
                  if (iy < 0 || ix < 0 || iy >= std::ptrdiff_t(h) || ix >= std::ptrdiff_t(w)) continue;
                  fn(((s * f + o) * oh + oy) * ow + ox, ((s * c + i) * h + std::size_t(iy)) * w + std::size_t(ix),
                     ((o * c + i) * 3 + ky) * 3 + kx);
                }
  }
  void forward(const std::vector<T>& x, const std::vector<T>& wt, std::vector<T>& y) const {
    y.assign(n * f * oh * ow, T(0));
    for (std::size_t yi = 0; yi < y.size(); ++yi) y[yi] = wt[f * c * 9 + (yi / (oh * ow)) % f];  // bias
    each_tap([&](std::size_t yi, std::size_t xi, std::size_t wi) { y[yi] += x[xi] * wt[wi]; });
  }
  void backward(const std::vector<T>& x, const std::vector<T>& wt, const std::vector<T>& dy, std::vector<T>& dx,
                std::vector<T>& dw) const {
    dx.assign(n * c * h * w, T(0));
    dw.assign(f * c * 9, T(0));
    each_tap([&](std::size_t yi, std::size_t xi, std::size_t wi) {
      dx[xi] += dy[yi] * wt[wi];
      dw[wi] += dy[yi] * x[xi];
    });
  }
};

/// max |a - ref| / max |ref|
template <class A>
double rel_error(const std::vector<A>& a, const std::vector<double>& ref, std::size_t count) {
  double e = 0, m = 1e-30;
  for (std::size_t i = 0; i < count; ++i) {
    e = std::max(e, std::fabs(double(a[i]) - ref[i]));
    m = std::max(m, std::fabs(ref[i]));
  }
  return e / m;
}

struct errors {
  double y, dx, dw;
};

/// winograd::conv for Conv<F, 3, 1, Pad> on In for n samples, and direct float32, against direct
/// float64; x, dy uniform in [-1, 1], w in He's +-sqrt(2 / fan_in) range (as trained nets), bias 0.1.
template <std::size_t F, padding Pad, shape In>
void check(const char* name, std::size_t n) {
  using L = Conv<F, 3, 1, Pad>;
  constexpr shape Out = output_shape_v<L, In>;
  constexpr std::size_t P = param_count_v<L, In>;
  constexpr auto wino_conv = be::winograd::conv::make(
      be::winograd::geometry{In.c, In.h, In.w, Out.h, Out.w, L::template pad_top<In>, L::template pad_left<In>}, F);
  rng r(F * 1000 + In.h);
  std::vector<float> x(n * In.size()), w(P), dy(n * Out.size());
  const double scale = std::sqrt(2.0 / (In.c * 9.0));
  for (auto& v : x) v = float(r.symmetric(1.0));
  for (auto& v : w) v = float(r.symmetric(scale));
  for (std::size_t o = 0; o < F; ++o) w[F * In.c * 9 + o] = 0.1f;
  for (auto& v : dy) v = float(r.symmetric(1.0));
  const direct<double> d64{n, In.c, In.h, In.w, F, Out.h, Out.w, L::template pad_top<In>, L::template pad_left<In>};
  const direct<float> d32{n, In.c, In.h, In.w, F, Out.h, Out.w, L::template pad_top<In>, L::template pad_left<In>};
  std::vector<double> y64, dx64, dw64;
  const std::vector<double> xd(x.begin(), x.end()), wd(w.begin(), w.end()), dyd(dy.begin(), dy.end());
  d64.forward(xd, wd, y64);
  d64.backward(xd, wd, dyd, dx64, dw64);
  std::vector<float> y32, dx32, dw32;
  d32.forward(x, w, y32);
  d32.backward(x, w, dy, dx32, dw32);

  std::vector<float> ws(wino_conv.workspace_floats(n), NAN);
  std::vector<float> y(n * Out.size(), NAN), dx(n * In.size(), NAN), dw(P, 0.0f);
  wino_conv.forward(w.data(), w.data() + F * In.c * 9, x.data(), n, y.data(), ws.data());
  wino_conv.backward_weights(x.data(), dy.data(), n, dw.data(), ws.data());
  wino_conv.backward_data(w.data(), dy.data(), n, dx.data(), ws.data());
  const errors wino{rel_error(y, y64, y.size()), rel_error(dx, dx64, dx.size()), rel_error(dw, dw64, F * In.c * 9)};
  const errors naive{rel_error(y32, y64, y.size()), rel_error(dx32, dx64, dx.size()), rel_error(dw32, dw64, F * In.c * 9)};
  std::printf("| %s | %s -> %s | %.1e / %.1e / %.1e | %.1e / %.1e / %.1e |\n", name, to_string(In).c_str(),
              to_string(Out).c_str(), wino.y, wino.dx, wino.dw, naive.y, naive.dx, naive.dw);
  INFO(name << ": Winograd relative error y " << wino.y << " dx " << wino.dx << " dw " << wino.dw
            << "; direct float32 " << naive.y << " / " << naive.dx << " / " << naive.dw);
  // Bounds: float32 has 6e-8 unit roundoff; the transforms add a handful of roundings per element and
  // the sums run over C x 16 products (dw: over n x tiles). 2e-6 relative is ~30 ulps of the largest
  // value, 3-7x the measured errors (S1-S3: 3e-7 to 7e-7), and far below the PyTorch oracle's bounds (1e-4 and up).
  CHECK(wino.y < 2e-6);
  CHECK(wino.dx < 2e-6);
  CHECK(wino.dw < 2e-6);
}

}  // namespace

TEST_CASE("Winograd F(2x2, 3x3) Conv on the published models' shapes: forward and gradients vs float64 direct convolution",
          "[layers][conv][winograd]") {
  std::printf("| layer | shape | Winograd error y / dx / dw | direct float32 error y / dx / dw |\n|---|---|---|---|\n");
  check<32, padding::valid, shape{16, 16, 16}>("S1 conv_2", 4);
  check<50, padding::same, shape{3, 32, 32}>("S2 conv_1", 2);
  check<32, padding::same, shape{3, 32, 32}>("S3 conv_1", 2);
  check<64, padding::valid, shape{32, 9, 9}>("S1 conv_3", 4);
  check<50, padding::same, shape{50, 32, 32}>("S2 conv_2", 2);
  check<100, padding::same, shape{50, 16, 16}>("S2 conv_3", 2);
  check<100, padding::same, shape{100, 16, 16}>("S2 conv_4", 2);
  check<32, padding::valid, shape{32, 32, 32}>("S3 conv_2", 2);
  check<64, padding::same, shape{32, 15, 15}>("S3 conv_3", 2);
  check<64, padding::valid, shape{64, 15, 15}>("S3 conv_4", 2);
  // Small and odd shapes, batches over several groups (conv::group samples each) and a partial last one.
  check<5, padding::valid, shape{3, 5, 7}>("valid 3x5 output", 61);
  check<4, padding::same, shape{2, 6, 3}>("same 6x3", 23);
  check<3, padding::same, shape{4, 1, 4}>("same, one row", 200);
  check<2, padding::valid, shape{1, 3, 3}>("valid, one output", 700);
  // A sample larger than one band (forward and backward-data) and than one weight-gradient block:
  // bands of tile rows, odd height and width.
  constexpr auto big = be::winograd::conv::make(be::winograd::geometry{64, 40, 37, 40, 37, 1, 1}, 64);
  static_assert(big.fwd_rows < big.fwd.th() && big.data_rows < big.data.th() && big.dw_rows < big.fwd.th());
  check<64, padding::same, shape{64, 40, 37}>("bands of tile rows", 2);
}
