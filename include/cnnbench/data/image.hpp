// cnnbench/data/image.hpp: the pixel operations of the image-folder reader and the augmentations,
// on uint8 planar CHW images, each a re-implementation of Pillow's (9.x) algorithm, so that a
// torchvision pipeline built on PIL images (ImageFolder's loader, transforms.Resize,
// RandomRotation, RandomHorizontalFlip) and cnnbench see the same pixels:
//
//   resize_bilinear   Pillow Image.resize(size, Resampling.BILINEAR) (reducing_gap=None, no box):
//                     Pillow's separable "support-scaled triangle" resampling (Resample.c): for a
//                     scale s = in/out, output pixel i samples the input around centre (i + 0.5) * s
//                     with the triangle filter 1 - |t| stretched to support max(s, 1) (so it is
//                     antialiased when downscaling, plain bilinear when upscaling), weights normalised
//                     to sum 1, converted to 22-bit fixed point and rounded; the horizontal pass runs
//                     first and is rounded and clipped to uint8, then the vertical pass. An axis whose
//                     size does not change is not resampled.
//   rotate_bilinear   Pillow Image.rotate(angle, resample=BILINEAR, expand=False, fillcolor=0): rotation
//                     about the image centre (w/2, h/2), COUNTER-CLOCKWISE for a positive angle (as
//                     torchvision's RandomRotation/F.rotate), the same output size; output pixel centre
//                     (x + 0.5, y + 0.5) is mapped back into the input by Pillow's affine matrix (cos and
//                     sin rounded to 15 decimals as Pillow does); a point outside [0, w) x [0, h) is 0;
//                     inside, bilinear interpolation between the pixel centres with edge pixels
//                     repeated, and the result truncated (not rounded) to uint8 as Pillow's
//                     bilinear_filter8 does. Angles that are multiples of 90 degrees (mod 360) take
//                     Pillow's exact transposition fast paths (0, 180, and 90/270 for square images).
//   flip_horizontal   Pillow transpose(FLIP_LEFT_RIGHT): column x <- column w - 1 - x.
//   rgb_to_grey       Pillow convert("L"): L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16 (ITU-R 601-2).
//
// Floating-point steps that Pillow compiles without fused multiply-adds are kept unfused here
// (detail::unfused), so -march / -ffp-contract do not change a pixel.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace cnnbench {

namespace detail {
/// Forces v to be rounded to a double here: a multiply whose result passes through this is never
/// fused with a later add (Pillow's C code is built without FMA contraction).
inline double unfused(double v) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __asm__("" : "+m"(v));
#endif
  return v;
}

/// Python's round(x, 15): the double nearest to x rounded to 15 decimal places (correctly rounded
/// printf and strtod, as CPython's dtoa-based round).
inline double round15(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15f", x);
  return std::strtod(buf, nullptr);
}

/// Pillow's precompute_coeffs + normalize_coeffs_8bpc for the bilinear filter (support 1), box [0, in).
struct resample_coeffs {
  int ksize = 0;
  std::vector<int> bounds;  ///< per output index: xmin, count
  std::vector<std::int32_t> k;  ///< out * ksize fixed-point weights (22 fractional bits)
};
inline constexpr int pillow_precision_bits = 32 - 8 - 2;

inline resample_coeffs bilinear_coeffs(int in_size, int out_size) {
  resample_coeffs r;
  const double scale = static_cast<double>(static_cast<float>(in_size) - 0.0f) / out_size;
  const double filterscale = scale < 1.0 ? 1.0 : scale;
  const double support = 1.0 * filterscale;
  r.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  r.bounds.assign(static_cast<std::size_t>(out_size) * 2, 0);
  r.k.assign(static_cast<std::size_t>(out_size) * static_cast<std::size_t>(r.ksize), 0);
  std::vector<double> w(static_cast<std::size_t>(r.ksize));
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = 0.0 + unfused((xx + 0.5) * scale);
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      double t = unfused((x + xmin - center + 0.5) * ss);
      if (t < 0.0) t = -t;
      const double f = t < 1.0 ? 1.0 - t : 0.0;
      w[static_cast<std::size_t>(x)] = f;
      ww += f;
    }
    for (int x = 0; x < xmax; ++x) {
      double v = w[static_cast<std::size_t>(x)];
      if (ww != 0.0) v /= ww;
      const double scaled = unfused(v * (1 << pillow_precision_bits));
      r.k[static_cast<std::size_t>(xx) * static_cast<std::size_t>(r.ksize) + static_cast<std::size_t>(x)] =
          static_cast<std::int32_t>(v < 0 ? -0.5 + scaled : 0.5 + scaled);
    }
    r.bounds[static_cast<std::size_t>(xx) * 2] = xmin;
    r.bounds[static_cast<std::size_t>(xx) * 2 + 1] = xmax;
  }
  return r;
}

inline std::uint8_t pillow_clip8(std::int32_t ss) noexcept {
  const std::int32_t v = ss >> pillow_precision_bits;
  return static_cast<std::uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}
}  // namespace detail

/// Resizes one uint8 plane (h x w, row-major) to oh x ow with Pillow's BILINEAR resampling (see the
/// header comment). All sizes must be at least 1.
inline void resize_plane_bilinear(const std::uint8_t* in, int h, int w, std::uint8_t* out, int oh, int ow) {
  const bool need_h = ow != w, need_v = oh != h;
  if (!need_h && !need_v) {
    std::copy_n(in, static_cast<std::size_t>(h) * static_cast<std::size_t>(w), out);
    return;
  }
  const detail::resample_coeffs ch = detail::bilinear_coeffs(w, ow);
  detail::resample_coeffs cv = detail::bilinear_coeffs(h, oh);
  const std::int32_t half = std::int32_t{1} << (detail::pillow_precision_bits - 1);
  // Horizontal pass over the rows the vertical pass uses (all of them when there is no vertical pass).
  std::vector<std::uint8_t> tmp;
  const std::uint8_t* src = in;
  int src_w = w;
  if (need_h) {
    const int first = need_v ? cv.bounds[0] : 0;
    const int last = need_v ? cv.bounds[static_cast<std::size_t>(oh) * 2 - 2] + cv.bounds[static_cast<std::size_t>(oh) * 2 - 1] : h;
    if (need_v)
      for (int i = 0; i < oh; ++i) cv.bounds[static_cast<std::size_t>(i) * 2] -= first;
    const int rows = last - first;
    std::uint8_t* dst = need_v ? (tmp.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(ow)), tmp.data()) : out;
    for (int y = 0; y < rows; ++y) {
      const std::uint8_t* row = in + static_cast<std::size_t>(y + first) * static_cast<std::size_t>(w);
      for (int xx = 0; xx < ow; ++xx) {
        const int xmin = ch.bounds[static_cast<std::size_t>(xx) * 2], xmax = ch.bounds[static_cast<std::size_t>(xx) * 2 + 1];
        const std::int32_t* k = ch.k.data() + static_cast<std::size_t>(xx) * static_cast<std::size_t>(ch.ksize);
        std::int32_t ss = half;
        for (int x = 0; x < xmax; ++x) ss += static_cast<std::int32_t>(row[xmin + x]) * k[x];
        dst[static_cast<std::size_t>(y) * static_cast<std::size_t>(ow) + static_cast<std::size_t>(xx)] = detail::pillow_clip8(ss);
      }
    }
    if (!need_v) return;
    src = tmp.data();
    src_w = ow;
  }
  for (int yy = 0; yy < oh; ++yy) {
    const int ymin = cv.bounds[static_cast<std::size_t>(yy) * 2], ymax = cv.bounds[static_cast<std::size_t>(yy) * 2 + 1];
    const std::int32_t* k = cv.k.data() + static_cast<std::size_t>(yy) * static_cast<std::size_t>(cv.ksize);
    for (int xx = 0; xx < src_w; ++xx) {
      std::int32_t ss = half;
      for (int y = 0; y < ymax; ++y)
        ss += static_cast<std::int32_t>(src[static_cast<std::size_t>(y + ymin) * static_cast<std::size_t>(src_w) + static_cast<std::size_t>(xx)]) * k[y];
      out[static_cast<std::size_t>(yy) * static_cast<std::size_t>(src_w) + static_cast<std::size_t>(xx)] = detail::pillow_clip8(ss);
    }
  }
}

/// Resizes a uint8 CHW image (c planes of h x w) to c planes of oh x ow, plane by plane.
inline void resize_bilinear(const std::uint8_t* in, int c, int h, int w, std::uint8_t* out, int oh, int ow) {
  const std::size_t ip = static_cast<std::size_t>(h) * static_cast<std::size_t>(w),
                    op = static_cast<std::size_t>(oh) * static_cast<std::size_t>(ow);
  for (int p = 0; p < c; ++p) resize_plane_bilinear(in + static_cast<std::size_t>(p) * ip, h, w, out + static_cast<std::size_t>(p) * op, oh, ow);
}

/// Mirrors a uint8 CHW image left-right (Pillow FLIP_LEFT_RIGHT). in and out must not overlap.
inline void flip_horizontal(const std::uint8_t* in, int c, int h, int w, std::uint8_t* out) {
  for (int r = 0; r < c * h; ++r) {
    const std::uint8_t* s = in + static_cast<std::size_t>(r) * static_cast<std::size_t>(w);
    std::uint8_t* d = out + static_cast<std::size_t>(r) * static_cast<std::size_t>(w);
    for (int x = 0; x < w; ++x) d[x] = s[w - 1 - x];
  }
}

/// Rotates a uint8 CHW image by `degrees` counter-clockwise about its centre, bilinear, zero fill,
/// same size: Pillow Image.rotate(degrees, resample=BILINEAR, fillcolor=0) (see the header comment).
/// in and out must not overlap.
inline void rotate_bilinear(const std::uint8_t* in, int c, int h, int w, double degrees, std::uint8_t* out) {
  const std::size_t plane = static_cast<std::size_t>(h) * static_cast<std::size_t>(w);
  // Python: angle % 360.0 (a result with the sign of the divisor).
  double a = std::fmod(degrees, 360.0);
  if (a != 0.0 && a < 0.0) a += 360.0;
  if (a == 0.0) {
    std::copy_n(in, plane * static_cast<std::size_t>(c), out);
    return;
  }
  if (a == 180.0 || ((a == 90.0 || a == 270.0) && w == h)) {
    for (int p = 0; p < c; ++p) {
      const std::uint8_t* s = in + static_cast<std::size_t>(p) * plane;
      std::uint8_t* d = out + static_cast<std::size_t>(p) * plane;
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
          const int sx = a == 180.0 ? w - 1 - x : a == 90.0 ? w - 1 - y : y;
          const int sy = a == 180.0 ? h - 1 - y : a == 90.0 ? x : h - 1 - x;
          d[static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x)] =
              s[static_cast<std::size_t>(sy) * static_cast<std::size_t>(w) + static_cast<std::size_t>(sx)];
        }
    }
    return;
  }
  using detail::unfused;
  const double cx = w / 2.0, cy = h / 2.0;
  const double rad = -(a * (3.141592653589793 / 180.0));
  const double m0 = detail::round15(std::cos(rad)), m1 = detail::round15(std::sin(rad));
  const double m3 = detail::round15(-std::sin(rad)), m4 = detail::round15(std::cos(rad));
  double m2 = unfused(m0 * -cx) + unfused(m1 * -cy) + 0.0;
  double m5 = unfused(m3 * -cx) + unfused(m4 * -cy) + 0.0;
  m2 += cx;
  m5 += cy;
  for (int y = 0; y < h; ++y) {
    const double yin = y + 0.5;
    for (int x = 0; x < w; ++x) {
      const double xin = x + 0.5;
      double xx = unfused(m0 * xin) + unfused(m1 * yin) + m2;
      double yy = unfused(m3 * xin) + unfused(m4 * yin) + m5;
      const std::size_t o = static_cast<std::size_t>(y) * static_cast<std::size_t>(w) + static_cast<std::size_t>(x);
      if (xx < 0.0 || xx >= w || yy < 0.0 || yy >= h) {
        for (int p = 0; p < c; ++p) out[static_cast<std::size_t>(p) * plane + o] = 0;
        continue;
      }
      xx -= 0.5;
      yy -= 0.5;
      const int ix = xx < 0.0 ? static_cast<int>(std::floor(xx)) : static_cast<int>(xx);
      const int iy = yy < 0.0 ? static_cast<int>(std::floor(yy)) : static_cast<int>(yy);
      const double dx = xx - ix, dy = yy - iy;
      const int x0 = std::clamp(ix, 0, w - 1), x1 = std::clamp(ix + 1, 0, w - 1), y0 = std::clamp(iy, 0, h - 1);
      const bool has_y1 = iy + 1 >= 0 && iy + 1 < h;
      for (int p = 0; p < c; ++p) {
        const std::uint8_t* s = in + static_cast<std::size_t>(p) * plane;
        const std::uint8_t* r0 = s + static_cast<std::size_t>(y0) * static_cast<std::size_t>(w);
        const double v1 = r0[x0] + unfused((r0[x1] - r0[x0]) * dx);
        double v2 = v1;
        if (has_y1) {
          const std::uint8_t* r1 = s + static_cast<std::size_t>(iy + 1) * static_cast<std::size_t>(w);
          v2 = r1[x0] + unfused((r1[x1] - r1[x0]) * dx);
        }
        const double v = v1 + unfused((v2 - v1) * dy);
        out[static_cast<std::size_t>(p) * plane + o] = static_cast<std::uint8_t>(v);
      }
    }
  }
}

/// Pillow's RGB -> L conversion of one pixel (ITU-R 601-2 luma in 16-bit fixed point).
constexpr std::uint8_t rgb_to_grey(std::uint8_t r, std::uint8_t g, std::uint8_t b) noexcept {
  return static_cast<std::uint8_t>((r * 19595u + g * 38470u + b * 7471u + 0x8000u) >> 16);
}

}  // namespace cnnbench
