// cnnbench/data/image_folder.hpp: a folder of images, one sub-folder per class (torchvision's
// ImageFolder layout), decoded once into an in-memory uint8 dataset.
//
//   image_folder_options opt;                // all images, one thread, normalization::unit
//   image_folder_report rep;
//   dataset train = read_image_folder("/data/cats_vs_dogs/train", {3, 224, 224}, opt, &rep);
//   // train.class_names == {"cat", "dog"}; rep.summary() lists converted and skipped files
//
// Layout: dir/<class>/<image file>. Classes are the sub-folders of dir in byte-wise sorted order
// (label i = class_names[i], as torchvision's sorted() order); the images of a class are its files
// in byte-wise sorted file-name order ("cat.10.jpg" before "cat.2.jpg", as Python's sorted()), the
// classes one after the other. max_per_class > 0 keeps only the first max_per_class images of each
// class in that order (a quick protocol or test).
//
// Each image is decoded, JPEG (baseline/progressive; grey, YCbCr or RGB) with libjpeg-turbo
// (data/jpeg.hpp: the decoder and settings Pillow uses, so the decoded pixels are Pillow's), PNG,
// BMP, GIF (first frame), PNM and TGA with stb_image (8 bits per channel), then, as torchvision's
// loader does with Image.convert:
//   to 3 channels: grey -> RGB replicated; grey+alpha -> RGB (alpha dropped); RGBA -> RGB (alpha dropped);
//   to 1 channel:  RGB -> grey with Pillow's "L" formula (19595 R + 38470 G + 7471 B + 0x8000) >> 16;
//                  RGBA -> grey (alpha dropped, then the same); grey+alpha -> grey (alpha dropped);
// each such conversion is recorded (image_folder_report::conversions); then it is resized to
// out.h x out.w with resize_bilinear (data/image.hpp): Pillow's Image.resize(BILINEAR), the
// support-scaled (antialiased when downscaling) triangle filter, re-implemented exactly, so that
// cnnbench's pixels equal torchvision's Resize((h, w)) on the same file: the same decoder, the same
// conversion, the same resize (tests/data/image_folder.cpp compares them with Pillow byte for byte).
// The result is stored as uint8 NCHW, normalisation `options.norm` (normalization::unit by default).
// With options.threads > 1 the files are decoded in parallel; the result (pixels, order, the
// reported error) does not depend on the thread count.
//
// Errors (every message names the folder or file; nothing is skipped silently):
//   io_error    "<dir>: folder not found" / "not a folder"; a file or folder that cannot be read;
//   data_error  "<dir>: no class sub-folders ..."; "<dir>: only one class sub-folder (<name>) ...";
//               "<dir>/<class>: empty class folder ..."; "<file>: cannot decode image (stb_image: <reason> ...)";
//               "<file>: truncated JPEG: ..." (the data ends before the image does: libjpeg would pad
//               the rest with grey and warn, Pillow refuses it); "<file>: cannot decode JPEG
//               (libjpeg-turbo: ...)"; "<file>: CMYK JPEG: not decoded ..." (data/jpeg.hpp);
//               "<file>: truncated PNG/PNM ..." and "corrupt PNM ..." (checked before stb_image,
//               which mishandles them); "<file>: the header announces WxH pixels, more than the
//               limit ..." (max_image_pixels); "<file>: not an image file (extension ...)" for a file whose
//               extension is not an image extension, or an entry that is not a regular file, unless
//               options.skip_non_images, which skips it and records it in image_folder_report::skipped
//               (also a plain file directly in dir, where only class folders belong);
//   value_error for an output shape with other than 1 or 3 channels or a zero size.
//
// stb_image is compiled into each translation unit that includes this header as static functions
// (STB_IMAGE_STATIC, without its JPEG decoder: STBI_ONLY_*), so the header stays header-only and
// links without an stb library; such a translation unit must not compile stb_image's
// implementation itself. libjpeg-turbo is a library: link cnnbench::cnnbench (JPEG::JPEG, -ljpeg).
#pragma once
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "../error.hpp"
#include "../shape.hpp"
#include "dataset.hpp"
#include "image.hpp"
#include "jpeg.hpp"

#ifndef CNNBENCH_STB_IMAGE_INCLUDED
#define CNNBENCH_STB_IMAGE_INCLUDED
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_ONLY_GIF
#define STBI_ONLY_PNM
#define STBI_ONLY_TGA
#define STBI_NO_STDIO
#include <stb/stb_image.h>
#undef STB_IMAGE_IMPLEMENTATION
#endif

namespace cnnbench {

/// The largest image decoded, in pixels (width x height): 2 x Pillow's Image.MAX_IMAGE_PIXELS
/// (89,478,485), the size at which Pillow raises DecompressionBombError. A header announcing more is
/// refused before anything is allocated for it.
inline constexpr std::uint64_t max_image_pixels = 2 * 89'478'485ull;

/// The file extensions read as images (lower case; the comparison ignores case).
inline const std::vector<std::string>& image_extensions() {
  static const std::vector<std::string> e{".jpg", ".jpeg", ".png", ".bmp", ".gif", ".ppm", ".pgm", ".pnm", ".tga"};
  return e;
}

struct image_folder_options {
  std::size_t max_per_class = 0;  ///< 0: every image; else the first N (sorted file names) of each class
  bool skip_non_images = false;   ///< skip (and record) files without an image extension instead of failing
  unsigned threads = 1;           ///< decoding threads (0: hardware concurrency); the result does not depend on it
  normalization norm = normalization::unit;
  std::string name;               ///< dataset name; default "<parent>/<dir>", e.g. "cats_vs_dogs/train"
};

/// One image whose channel count was changed.
struct image_conversion {
  std::filesystem::path file;
  int from_channels = 0;  ///< as decoded: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
  int to_channels = 0;    ///< 1 or 3
  /// e.g. "RGBA -> RGB (alpha dropped)".
  std::string what() const {
    static const char* names[] = {"?", "grey", "grey+alpha", "RGB", "RGBA"};
    std::string s = std::string(names[from_channels >= 1 && from_channels <= 4 ? from_channels : 0]) + " -> " +
                    (to_channels == 1 ? "grey" : "RGB");
    if (from_channels == 2 || from_channels == 4) s += " (alpha dropped)";
    if (to_channels == 3 && (from_channels == 1 || from_channels == 2)) s += " (grey replicated)";
    if (to_channels == 1 && (from_channels == 3 || from_channels == 4)) s += " (Pillow L luma)";
    return s;
  }
};

/// What read_image_folder did besides decoding: for a report.
struct image_folder_report {
  std::vector<std::filesystem::path> files;        ///< the file of each sample, in dataset order
  std::vector<shape> source_shapes;                ///< {channels, height, width} of each file as decoded
  std::vector<image_conversion> conversions;       ///< images whose channel count was changed
  std::vector<std::filesystem::path> skipped;      ///< entries skipped with skip_non_images
  /// e.g. "2000 images in 2 classes; 1 converted (x.png: RGBA -> RGB (alpha dropped)); 0 skipped".
  std::string summary() const {
    std::string s = std::to_string(files.size()) + " images; " + std::to_string(conversions.size()) + " converted";
    for (std::size_t i = 0; i < conversions.size(); ++i)
      s += (i == 0 ? " (" : ", ") + conversions[i].file.filename().string() + ": " + conversions[i].what() +
           (i + 1 == conversions.size() ? ")" : "");
    s += "; " + std::to_string(skipped.size()) + " skipped";
    for (std::size_t i = 0; i < skipped.size(); ++i)
      s += (i == 0 ? " (" : ", ") + skipped[i].string() + (i + 1 == skipped.size() ? ")" : "");
    return s;
  }
};

namespace detail {

inline std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

inline bool has_image_extension(const std::filesystem::path& p) {
  const std::string e = lower(p.extension().string());
  const auto& all = image_extensions();
  return std::find(all.begin(), all.end(), e) != all.end();
}

inline std::vector<std::uint8_t> read_whole_file(const std::filesystem::path& p) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(p, ec);
  if (ec) throw io_error(p.string() + ": cannot read its size (" + ec.message() + ")");
  if (size > 0x7fffffff) throw data_error(p.string() + ": file too large to decode (" + std::to_string(size) + " bytes)");
  std::ifstream in(p, std::ios::binary);
  if (!in) throw io_error(p.string() + ": cannot open for reading");
  std::vector<std::uint8_t> b(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()));
  if (static_cast<std::uintmax_t>(in.gcount()) != size)
    throw io_error(p.string() + ": read " + std::to_string(in.gcount()) + " of its " + std::to_string(size) + " bytes");
  return b;
}

/// Empty if every PNG chunk's declared length fits in the file, else what is wrong ("truncated PNG:
/// ..."). (stb_image allocates an IDAT chunk's declared length, up to 2 GiB, before reading it: a
/// 100-byte file made it allocate 1.4 GB; found by tests/fuzz/fuzz_image.)
inline std::string png_problem(std::span<const std::uint8_t> b) {
  const std::size_t n = b.size();
  for (std::size_t pos = 8; pos + 8 <= n;) {
    const std::size_t len = (std::size_t{b[pos]} << 24) | (std::size_t{b[pos + 1]} << 16) | (std::size_t{b[pos + 2]} << 8) | b[pos + 3];
    std::string type;
    for (std::size_t i = 4; i < 8; ++i) type += std::isprint(b[pos + i]) ? static_cast<char>(b[pos + i]) : '?';
    if (len > n - pos - 8 || n - pos - 8 - len < 4)
      return "truncated PNG: chunk '" + type + "' at offset " + std::to_string(pos) + " declares " + std::to_string(len) +
             " bytes of data (and a 4-byte CRC), the file has " + std::to_string(n - pos - 8) + " after its header";
    if (type == "IEND") break;
    pos += 12 + len;
  }
  return {};
}

/// Empty if a binary PNM (P5 grey, P6 RGB) is well-formed as far as stb_image relies on it, else what
/// is wrong: a header number (width, height, maximum value) of more than 9 digits ("corrupt PNM:
/// ..."; stb_image parses them into an int without an overflow check, undefined behaviour), or
/// fewer data bytes than the header announces ("truncated PNM: ..."; stb_image ignores the short
/// read and returns its uninitialised buffer as pixels). Both found by tests/fuzz/fuzz_image.
inline std::string pnm_problem(std::span<const std::uint8_t> b) {
  std::size_t pos = 2;
  std::uint64_t v[3] = {0, 0, 0};
  for (int number = 0; number < 3; ++number) {
    for (;;) {  // blanks and comments, as stb_image skips them
      while (pos < b.size() && std::isspace(b[pos])) ++pos;
      if (pos < b.size() && b[pos] == '#') {
        while (pos < b.size() && b[pos] != '\n' && b[pos] != '\r') ++pos;
        continue;
      }
      break;
    }
    const std::size_t first = pos;
    while (pos < b.size() && b[pos] >= '0' && b[pos] <= '9') v[number] = v[number] * 10 + (b[pos++] - '0');
    if (pos - first > 9)
      return "corrupt PNM: the header number at offset " + std::to_string(first) + " has " + std::to_string(pos - first) +
             " digits (at most 9)";
    // (No digits: stb_image reads 0, as here.)
  }
  ++pos;  // the character after the last number (stb_image has read it), then the data
  const std::uint64_t channels = b[1] == '5' ? 1 : 3, sample = v[2] > 255 ? 2 : 1;
  const std::uint64_t need = v[0] * v[1] * channels * sample;  // at most (10^9)^2 * 6 < 2^64
  const std::uint64_t have = pos < b.size() ? b.size() - pos : 0;
  if (need > have)
    return "truncated PNM: the header announces " + std::to_string(v[0]) + "x" + std::to_string(v[1]) + " pixels of " +
           std::to_string(channels * sample) + " bytes, the file has " + std::to_string(have) + " bytes of data after offset " +
           std::to_string(pos);
  return {};
}

/// The checks made before a decoder sees the bytes, then the shape the header announces
/// ({channels, height, width}; all 0 when the header cannot be read), refused above
/// max_image_pixels. A JPEG (FF D8 first) goes to libjpeg-turbo (data/jpeg.hpp), which reads its
/// header; anything else to stb_image, after the PNG and PNM structure checks above and for the
/// size stbi_info_from_memory reports. Throws data_error naming `name`.
inline shape checked_image_info(std::span<const std::uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) throw data_error(name + ": empty file (0 bytes), not an image");
  if (is_jpeg(bytes)) {
    const jpeg_image im = jpeg_info(bytes, name, max_image_pixels);
    return shape{static_cast<std::size_t>(im.channels), static_cast<std::size_t>(im.h), static_cast<std::size_t>(im.w)};
  }
  static constexpr std::uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  if (bytes.size() >= 8 && std::equal(png_signature, png_signature + 8, bytes.begin()))
    if (const std::string why = png_problem(bytes); !why.empty()) throw data_error(name + ": " + why);
  if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '6'))
    if (const std::string why = pnm_problem(bytes); !why.empty()) throw data_error(name + ": " + why);
  if (bytes.size() > 0x7fffffff) throw data_error(name + ": file too large to decode (" + std::to_string(bytes.size()) + " bytes)");
  // The size the header announces, refused before stb_image allocates for it.
  int iw = 0, ih = 0, in = 0;
  if (!stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &iw, &ih, &in)) return shape{0, 0, 0};
  if (static_cast<std::uint64_t>(iw) * static_cast<std::uint64_t>(ih) > max_image_pixels)
    throw data_error(name + ": the header announces " + std::to_string(iw) + "x" + std::to_string(ih) + " pixels, more than the limit of " +
                     std::to_string(max_image_pixels) + " (Pillow's decompression-bomb limit)");
  return shape{static_cast<std::size_t>(in), static_cast<std::size_t>(ih), static_cast<std::size_t>(iw)};
}

/// Decodes the bytes of one image file, interleaved (h x w x n): a JPEG with libjpeg-turbo
/// (data/jpeg.hpp), anything else with stb_image. Throws data_error naming `name`.
inline std::vector<std::uint8_t> decode_interleaved(std::span<const std::uint8_t> bytes, const std::string& name, int& w, int& h, int& n) {
  std::vector<std::uint8_t> px;
  if (is_jpeg(bytes)) {
    const jpeg_image im = decode_jpeg(bytes, name, px, max_image_pixels);
    w = im.w;
    h = im.h;
    n = im.channels;
    return px;
  }
  checked_image_info(bytes, name);
  stbi_uc* p = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &n, 0);
  if (p == nullptr) {
    const char* why = stbi_failure_reason();
    throw data_error(name + ": cannot decode image (stb_image: " + (why ? why : "unknown reason") +
                     "; cnnbench reads JPEG, PNG, BMP, GIF, PNM and TGA files)");
  }
  struct guard {
    stbi_uc* p;
    ~guard() { stbi_image_free(p); }
  } g{p};
  if (w <= 0 || h <= 0 || n < 1 || n > 4)
    throw data_error(name + ": decoded to an unusable image (" + std::to_string(w) + "x" + std::to_string(h) + ", " +
                     std::to_string(n) + " channels)");
  px.assign(p, p + static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * static_cast<std::size_t>(n));
  return px;
}

/// Decodes one image held in memory to `out` (out.c x out.h x out.w, CHW), records its source shape
/// and whether its channel count was changed (conv_from: the decoded count, or 0 when unchanged).
/// `name` is the file the bytes came from, for the messages.
inline void decode_image_into(std::span<const std::uint8_t> bytes, const std::string& name, shape out, std::uint8_t* dst,
                              shape& source, int& conv_from) {
  int w = 0, h = 0, n = 0;
  const std::vector<std::uint8_t> decoded = decode_interleaved(bytes, name, w, h, n);
  const std::uint8_t* px = decoded.data();
  source = shape{static_cast<std::size_t>(n), static_cast<std::size_t>(h), static_cast<std::size_t>(w)};
  const int oc = static_cast<int>(out.c);
  conv_from = (n == oc) ? 0 : n;
  // Channel conversion, interleaved -> planar CHW at the source size.
  const std::size_t plane = static_cast<std::size_t>(w) * static_cast<std::size_t>(h);
  std::vector<std::uint8_t> chw(plane * static_cast<std::size_t>(oc));
  for (std::size_t i = 0; i < plane; ++i) {
    const std::uint8_t* s = px + i * static_cast<std::size_t>(n);
    if (oc == 3) {
      const bool grey = n <= 2;
      for (int c = 0; c < 3; ++c) chw[static_cast<std::size_t>(c) * plane + i] = grey ? s[0] : s[c];
    } else {
      chw[i] = n <= 2 ? s[0] : rgb_to_grey(s[0], s[1], s[2]);
    }
  }
  resize_bilinear(chw.data(), oc, h, w, dst, static_cast<int>(out.h), static_cast<int>(out.w));
}

/// The same for a file (read whole: image files are small, and their size is checked first).
inline void load_image_into(const std::filesystem::path& p, shape out, std::uint8_t* dst, shape& source, int& conv_from) {
  const std::vector<std::uint8_t> bytes = read_whole_file(p);
  decode_image_into(bytes, p.string(), out, dst, source, conv_from);
}

inline void check_output_shape(shape out, const std::string& who) {
  if ((out.c != 1 && out.c != 3) || out.h == 0 || out.w == 0 || out.h > 65535 || out.w > 65535)
    throw value_error(who + ": output shape " + std::to_string(out.c) + "x" + std::to_string(out.h) + "x" + std::to_string(out.w) +
                      " must have 1 or 3 channels and a size of 1..65535");
}

/// The entries of a folder, sorted by name (byte order); io_error when it cannot be listed.
inline std::vector<std::filesystem::directory_entry> sorted_entries(const std::filesystem::path& dir) {
  std::vector<std::filesystem::directory_entry> v;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  if (ec) throw io_error(dir.string() + ": cannot list the folder (" + ec.message() + ")");
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    v.push_back(*it);
  }
  if (ec) throw io_error(dir.string() + ": cannot list the folder (" + ec.message() + ")");
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.path().filename().string() < b.path().filename().string(); });
  return v;
}

}  // namespace detail

/// One image file decoded, converted to out.c channels and resized to out.h x out.w exactly as
/// read_image_folder does (uint8 CHW). Throws io_error / data_error naming the file.
inline std::vector<std::uint8_t> load_image(const std::filesystem::path& file, shape out, shape* source = nullptr) {
  detail::check_output_shape(out, file.string());
  std::vector<std::uint8_t> px(out.size());
  shape src;
  int conv = 0;
  detail::load_image_into(file, out, px.data(), src, conv);
  if (source) *source = src;
  return px;
}

/// One image held in memory (the bytes of an image file), decoded, converted and resized exactly as
/// load_image does; `name` stands for the file in messages. Throws data_error / value_error.
inline std::vector<std::uint8_t> decode_image(std::span<const std::uint8_t> bytes, const std::string& name, shape out,
                                              shape* source = nullptr) {
  detail::check_output_shape(out, name);
  std::vector<std::uint8_t> px(out.size());
  shape src;
  int conv = 0;
  detail::decode_image_into(bytes, name, out, px.data(), src, conv);
  if (source) *source = src;
  return px;
}

/// Reads dir/<class>/<images> into a dataset of uint8 NCHW images of shape `out` (see the header comment).
inline dataset read_image_folder(const std::filesystem::path& dir, shape out, const image_folder_options& opt = {},
                                 image_folder_report* report = nullptr) {
  namespace fs = std::filesystem;
  const std::string d = dir.string();
  detail::check_output_shape(out, "read_image_folder(" + d + ")");
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw io_error(d + ": folder not found");
  if (!fs::is_directory(dir, ec)) throw io_error(d + ": not a folder (an image folder holds one sub-folder per class)");

  image_folder_report rep;
  dataset ds;
  fs::path norm_dir = dir.lexically_normal();
  if (!norm_dir.has_filename()) norm_dir = norm_dir.parent_path();
  ds.name = !opt.name.empty() ? opt.name
            : norm_dir.parent_path().filename().empty()
                ? norm_dir.filename().string()
                : norm_dir.parent_path().filename().string() + "/" + norm_dir.filename().string();
  ds.sample_shape = out;
  ds.norm = opt.norm;

  std::vector<fs::path> files;
  for (const auto& e : detail::sorted_entries(dir)) {
    if (e.is_directory(ec)) {
      ds.class_names.push_back(e.path().filename().string());
      continue;
    }
    if (!opt.skip_non_images)
      throw data_error(e.path().string() + ": a file where only class sub-folders belong (" + d +
                       "/<class>/<image>); pass skip_non_images to skip it");
    rep.skipped.push_back(e.path());
  }
  if (ds.class_names.empty())
    throw data_error(d + ": no class sub-folders (expected " + d + "/<class>/<image files>, at least two classes)");
  if (ds.class_names.size() == 1)
    throw data_error(d + ": only one class sub-folder (" + ds.class_names[0] + "): an image folder needs at least two classes");
  ds.classes = ds.class_names.size();

  for (std::size_t c = 0; c < ds.class_names.size(); ++c) {
    const fs::path cdir = dir / ds.class_names[c];
    std::size_t taken = 0, skipped_here = 0;
    for (const auto& e : detail::sorted_entries(cdir)) {
      const bool regular = e.is_regular_file(ec);
      if (!regular || !detail::has_image_extension(e.path())) {
        if (!opt.skip_non_images) {
          const std::string ext = e.path().extension().string();
          throw data_error(e.path().string() + ": not an image file (" +
                           (!regular ? std::string("not a regular file") : "extension '" + ext + "'") +
                           "; image extensions: .jpg .jpeg .png .bmp .gif .ppm .pgm .pnm .tga); pass skip_non_images to skip it");
        }
        rep.skipped.push_back(e.path());
        ++skipped_here;
        continue;
      }
      if (opt.max_per_class != 0 && taken == opt.max_per_class) continue;
      files.push_back(e.path());
      ds.labels.push_back(static_cast<std::int32_t>(c));
      ++taken;
    }
    if (taken == 0)
      throw data_error(cdir.string() + ": empty class folder (no image files" +
                       (skipped_here ? ", " + std::to_string(skipped_here) + " non-image entries skipped" : std::string()) + ")");
  }

  // Decode, possibly in parallel; each image into its own slot, the first failing file (in dataset
  // order) reported, so neither depends on the thread count.
  const std::size_t n = files.size(), per = out.size();
  ds.pixels.assign(n * per, 0);
  rep.source_shapes.assign(n, shape{});
  std::vector<int> conv(n, 0);
  std::vector<std::exception_ptr> errors(n);
  std::atomic<std::size_t> next{0}, first_error{n};
  auto work = [&] {
    for (;;) {
      const std::size_t i = next.fetch_add(1);
      if (i >= n || i > first_error.load()) return;
      try {
        detail::load_image_into(files[i], out, ds.pixels.data() + i * per, rep.source_shapes[i], conv[i]);
      } catch (...) {
        errors[i] = std::current_exception();
        std::size_t cur = first_error.load();
        while (i < cur && !first_error.compare_exchange_weak(cur, i)) {
        }
      }
    }
  };
  unsigned threads = opt.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : opt.threads;
  if (threads > n) threads = static_cast<unsigned>(n);
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  for (std::size_t i = 0; i < n; ++i)
    if (errors[i]) std::rethrow_exception(errors[i]);

  for (std::size_t i = 0; i < n; ++i)
    if (conv[i] != 0) rep.conversions.push_back({files[i], conv[i], static_cast<int>(out.c)});
  rep.files = std::move(files);
  ds.check();
  if (report) *report = std::move(rep);
  return ds;
}

}  // namespace cnnbench
