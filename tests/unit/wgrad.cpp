// The shifted-window weight gradient (backend/eigen/wgrad.hpp) against direct convolution loops in
// double precision (independent of the algorithm), with the same loops in float32 beside it: every
// stride-1 layer shape of S1, S2 and S3, 5 x 5 and even kernels with asymmetric ('same') padding, odd
// shapes over several sample blocks with a partial last one, and a sample larger than one block (the
// positions in segments). Prints the table the README's Correctness section quotes (ctest -V).
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

/// dW[o][i][ky][kx] = sum dy[s][o][oy][ox] x[s][i][oy + ky - pt][ox + kx - pl] (zero outside x) and
/// db[o] = sum dy[s][o], in T, sample by sample, output by output.
template <class T>
void direct_weight_gradient(const be::wgrad::geometry& g, std::size_t n, const std::vector<float>& x,
                            const std::vector<float>& dy, std::vector<T>& dw, std::vector<T>& db) {
  dw.assign(g.f * g.rows(), T(0));
  db.assign(g.f, T(0));
  for (std::size_t s = 0; s < n; ++s)
    for (std::size_t o = 0; o < g.f; ++o)
      for (std::size_t oy = 0; oy < g.oh; ++oy)
        for (std::size_t ox = 0; ox < g.ow; ++ox) {
          const T d = dy[((s * g.f + o) * g.oh + oy) * g.ow + ox];
          db[o] += d;
          for (std::size_t i = 0; i < g.c; ++i)
            for (std::size_t ky = 0; ky < g.k; ++ky)
              for (std::size_t kx = 0; kx < g.k; ++kx) {
                const std::ptrdiff_t iy = std::ptrdiff_t(oy + ky) - std::ptrdiff_t(g.pt);
                const std::ptrdiff_t ix = std::ptrdiff_t(ox + kx) - std::ptrdiff_t(g.pl);
                if (iy < 0 || ix < 0 || iy >= std::ptrdiff_t(g.h) || ix >= std::ptrdiff_t(g.w)) continue;
                dw[((o * g.c + i) * g.k + ky) * g.k + kx] +=
                    d * T(x[((s * g.c + i) * g.h + std::size_t(iy)) * g.w + std::size_t(ix)]);
              }
        }
}

/// max |a - ref| / max |ref|
template <class A>
double rel_error(const std::vector<A>& a, const std::vector<double>& ref) {
  double e = 0, m = 1e-30;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    e = std::max(e, std::fabs(double(a[i]) - ref[i]));
    m = std::max(m, std::fabs(ref[i]));
  }
  return e / m;
}

/// wgrad::backward_weights for geometry g (pb, pr: padding below and right) on n samples, x and dy
/// uniform in [-1, 1], added to a dW and db that start at 0.5 (the kernel accumulates).
void check(const char* name, std::size_t c, std::size_t h, std::size_t w, std::size_t f, std::size_t k, std::size_t pt,
           std::size_t pl, std::size_t pb, std::size_t pr, std::size_t n) {
  const be::wgrad::geometry g{c, h, w, f, k, h + pt + pb - k + 1, w + pl + pr - k + 1, pt, pl};
  rng r(c * 7919 + h * 31 + f);
  std::vector<float> x(n * c * h * w), dy(n * f * g.oh * g.ow);
  for (auto& v : x) v = float(r.symmetric(1.0));
  for (auto& v : dy) v = float(r.symmetric(1.0));
  std::vector<double> dw64, db64;
  std::vector<float> dw32, db32;
  direct_weight_gradient(g, n, x, dy, dw64, db64);
  direct_weight_gradient(g, n, x, dy, dw32, db32);
  for (auto& v : dw64) v += 0.5;
  for (auto& v : db64) v += 0.5;
  for (auto& v : dw32) v += 0.5f;
  for (auto& v : db32) v += 0.5f;
  std::vector<float> ws(g.workspace_floats(n), NAN);  // the kernel must not read what it did not write
  std::vector<float> dw(f * g.rows(), 0.5f), db(f, 0.5f);
  be::wgrad::backward_weights(g, x.data(), dy.data(), n, dw.data(), db.data(), ws.data());
  std::vector<float> wsc(g.channel_workspace_floats(n), NAN);
  std::vector<float> dwc(f * g.rows(), 0.5f), dbc(f, 0.5f);
  be::wgrad::backward_weights_channels(g, x.data(), dy.data(), n, dwc.data(), dbc.data(), wsc.data());
  const double e_dw = rel_error(dw, dw64), e_db = rel_error(db, db64);
  const double c_dw = rel_error(dwc, dw64), c_db = rel_error(dbc, db64);
  const double n_dw = rel_error(dw32, dw64), n_db = rel_error(db32, db64);
  std::printf("| %s | %zux%zux%zu -> %zux%zux%zu, %zux%zu | %zu | %.1e / %.1e | %.1e / %.1e | %.1e / %.1e |\n", name, c, h,
              w, f, g.oh, g.ow, k, k, n, e_dw, e_db, c_dw, c_db, n_dw, n_db);
  INFO(name << ": shifted windows dw " << e_dw << " db " << e_db << "; channels in lanes dw " << c_dw << " db " << c_db
            << "; direct float32 dw " << n_dw << " db " << n_db);
  // Bounds: the same products as direct convolution, summed in another order, so its error is that of
  // float32 summation over n oh ow products: measured 1e-7 to 6e-7 relative to the largest value
  // (direct float32 up to 1e-6); 2e-6 is ~30 ulps of it.
  CHECK(e_dw < 2e-6);
  CHECK(e_db < 2e-6);
  CHECK(c_dw < 2e-6);
  CHECK(c_db < 2e-6);
}

}  // namespace

TEST_CASE("Shifted-window Conv weight gradient on the published models' shapes and odd ones vs float64 direct convolution",
          "[layers][conv][wgrad]") {
  // conv.hpp's rule (dw_method): channels in lanes where the input channels fill whole vectors and
  // the padded rows would waste more than 10%, else shifted windows where they waste at most 20% and
  // there are at least 27 (channel, tap) rows, else im2col; never for strided or 1 x 1 layers.
  using be::wgrad::method;
  static_assert(be::kernel<Conv<50, 3, 1, padding::same>, shape{50, 32, 32}>::dw_method == method::windows);  // S2 conv_2
  static_assert(be::kernel<Conv<32, 3>, shape{32, 32, 32}>::dw_method == method::windows);                  // S3 conv_2
  static_assert(be::kernel<Conv<64, 3, 1, padding::same>, shape{32, 15, 15}>::dw_method == method::channels);  // S3 conv_3
  static_assert(be::kernel<Conv<32, 3>, shape{16, 16, 16}>::dw_method == method::channels);                 // S1 conv_2
  static_assert(be::kernel<Conv<64, 3>, shape{64, 15, 15}>::dw_method == method::channels);                 // S3 conv_4
  static_assert(be::kernel<Conv<64, 3>, shape{32, 9, 9}>::dw_method == method::channels);                   // S1 conv_3
  static_assert(be::kernel<Conv<16, 3>, shape{1, 30, 30}>::dw_method == method::im2col);                    // S1 conv_1
  static_assert(be::kernel<Conv<32, 3, 1, padding::same>, shape{3, 32, 32}>::dw_method == method::windows);  // S3 conv_1
  static_assert(be::kernel<Conv<100, 3, 1, padding::same>, shape{100, 16, 16}>::dw_method ==
                (be::simd::lanes == 4 ? method::channels : method::windows));                                // S2 conv_4
  static_assert(be::kernel<Conv<32, 3, 2, padding::same>, shape{16, 32, 32}>::dw_method == method::im2col);  // strided
  static_assert(be::kernel<Conv<32, 1>, shape{16, 32, 32}>::dw_method == method::im2col);                    // 1 x 1
  std::printf("| layer | input -> output, kernel | samples | windows: error dw / db | channels: error dw / db | direct float32 dw / db |\n|---|---|---|---|---|---|\n");
  check("S1 conv_1", 1, 30, 30, 16, 3, 0, 0, 0, 0, 4);
  check("S1 conv_2", 16, 16, 16, 32, 3, 0, 0, 0, 0, 4);
  check("S1 conv_3", 32, 9, 9, 64, 3, 0, 0, 0, 0, 4);
  check("S2 conv_1", 3, 32, 32, 50, 3, 1, 1, 1, 1, 2);
  check("S2 conv_2", 50, 32, 32, 50, 3, 1, 1, 1, 1, 2);
  check("S2 conv_3", 50, 16, 16, 100, 3, 1, 1, 1, 1, 2);
  check("S2 conv_4", 100, 16, 16, 100, 3, 1, 1, 1, 1, 2);
  check("S3 conv_1", 3, 32, 32, 32, 3, 1, 1, 1, 1, 2);
  check("S3 conv_2", 32, 32, 32, 32, 3, 0, 0, 0, 0, 2);
  check("S3 conv_3", 32, 15, 15, 64, 3, 1, 1, 1, 1, 2);
  check("S3 conv_4", 64, 15, 15, 64, 3, 0, 0, 0, 0, 2);
  // Other kernels: 5 x 5 same, 2 x 2 and 4 x 4 same (Keras pads the extra row and column below and
  // right), 5 x 5 valid on a non-square input.
  check("5x5 same", 6, 14, 14, 16, 5, 2, 2, 2, 2, 5);
  check("2x2 same", 4, 7, 9, 3, 2, 0, 0, 1, 1, 9);
  check("4x4 same", 3, 10, 6, 5, 4, 1, 1, 2, 2, 7);
  check("5x5 valid", 2, 11, 8, 7, 5, 0, 0, 0, 0, 3);
  // Many samples per block, a partial last block, one output position, one row.
  // backward_weights' passes of pass_samples() samples: several in the block, the last one partial.
  static_assert(be::wgrad::geometry{3, 5, 7, 5, 3, 3, 5, 0, 0}.group() > 61);
  static_assert(be::wgrad::geometry{3, 5, 7, 5, 3, 3, 5, 0, 0}.pass_samples() > 1 &&
                61 % be::wgrad::geometry{3, 5, 7, 5, 3, 3, 5, 0, 0}.pass_samples() != 0);
  check("valid 3x5 output, 61 samples", 3, 5, 7, 5, 3, 0, 0, 0, 0, 61);
  check("valid, one output", 1, 3, 3, 2, 3, 0, 0, 0, 0, 700);
  check("same, one row", 4, 1, 4, 3, 3, 1, 1, 1, 1, 200);
  // A sample larger than one block: its positions in two segments ...
  constexpr be::wgrad::geometry big{8, 128, 128, 8, 3, 128, 128, 1, 1};
  static_assert(big.group() == 1 && big.segment() < big.length() && big.channel_group() == 1);
  // ... each cut into passes of pass_positions() (l1_floats / FR), the last one partial.
  static_assert(big.pass_samples() == 1 && big.pass_positions() < big.segment() &&
                big.segment() % big.pass_positions() != 0);
  check("positions in segments", 8, 128, 128, 8, 3, 1, 1, 1, 1, 2);
}
