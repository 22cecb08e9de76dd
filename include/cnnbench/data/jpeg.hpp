// cnnbench/data/jpeg.hpp: JPEG decoding through libjpeg-turbo (Debian libjpeg62-turbo-dev, the
// decoder Pillow and torchvision use; fuzzed continuously by OSS-Fuzz), for data/image_folder.hpp.
//
//   std::vector<std::uint8_t> px;
//   const jpeg_image im = decode_jpeg(bytes, "cat.0.jpg", px, max_image_pixels);  // px: h x w x channels, interleaved
//
// Decoded with libjpeg's defaults, the settings Pillow 9.4 decodes with (JpegDecode.c): the accurate
// integer IDCT (JDCT_ISLOW), "fancy" (triangle) chroma upsampling, libjpeg's YCbCr -> RGB
// conversion; so the pixels equal Pillow's Image.open(f).convert("RGB") (or "L" for a grey JPEG)
// byte for byte (tests/data/image_folder.cpp compares them).
//
// Colour: a one-component (grey) JPEG decodes to 1 channel, YCbCr and RGB JPEGs to 3 (RGB). CMYK
// and YCCK JPEGs (Adobe print files) are refused with a data_error saying so: Pillow converts them
// with its own naive CMYK -> RGB formula, and cnnbench does not reproduce it.
//
// Errors: libjpeg's error_exit is replaced by one that longjmps back to decode_jpeg (no exit() from
// the library, jpeg_destroy_decompress on every path, nothing leaks), and its warnings are kept
// instead of printed. Thrown (each message starts with `name`):
//   data_error  "<name>: truncated JPEG: the data ends before the image does (libjpeg-turbo: Premature
//               end of JPEG file)" when the bytes end before the end-of-image marker (libjpeg would
//               pad the rest with grey and only warn; Pillow refuses such a file: "image file is
//               truncated");
//               "<name>: cannot decode JPEG (libjpeg-turbo: <its message>)" for every other error of
//               libjpeg (a bad marker, a bad Huffman table, ...); its "Corrupt JPEG data" warnings
//               are not errors (Pillow decodes such files too);
//               "<name>: the header announces WxH pixels, more than the limit of ..." above
//               max_pixels, before anything is allocated for the pixels;
//               "<name>: CMYK/YCCK JPEG ..." (see Colour);
//   std::bad_alloc if the pixel buffer cannot be allocated.
#pragma once
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>  // jpeglib.h needs FILE and size_t declared first
#include <span>
#include <string>
#include <vector>

#include <jerror.h>
#include <jpeglib.h>

#include "../error.hpp"

namespace cnnbench {

/// What the header of a JPEG announces, or what was decoded: width and height in pixels, channels
/// (1 grey, 3 RGB).
struct jpeg_image {
  int w = 0, h = 0, channels = 0;
};

/// True when `bytes` start with a JPEG start-of-image marker (FF D8), the bytes libjpeg requires
/// first (stb_image also skipped FF fill bytes before it; Pillow wants FF D8 FF).
inline bool is_jpeg(std::span<const std::uint8_t> bytes) { return bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8; }

namespace detail {

/// libjpeg's error manager with a place to jump back to and the messages kept.
struct jpeg_errors {
  jpeg_error_mgr mgr;       // first member: libjpeg sees a jpeg_error_mgr*
  std::jmp_buf back;
  char error[JMSG_LENGTH_MAX];    // the fatal error's text
  char warning[JMSG_LENGTH_MAX];  // the first warning's text
  bool truncated;                 // libjpeg warned JWRN_JPEG_EOF: the data ended early
};

extern "C" inline void cnnbench_jpeg_error_exit(j_common_ptr cinfo) {
  auto* e = reinterpret_cast<jpeg_errors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, e->error);
  std::longjmp(e->back, 1);
}

extern "C" inline void cnnbench_jpeg_emit_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace messages
  auto* e = reinterpret_cast<jpeg_errors*>(cinfo->err);
  if (cinfo->err->msg_code == JWRN_JPEG_EOF) e->truncated = true;
  if (cinfo->err->num_warnings++ == 0) (*cinfo->err->format_message)(cinfo, e->warning);
}

extern "C" inline void cnnbench_jpeg_output_message(j_common_ptr) {}  // nothing printed

/// The libjpeg part, kept free of C++ objects with destructors between setjmp and any longjmp (the
/// rule of [csetjmp.syn]): decodes `bytes` into `px` (resized here; interleaved rows) unless
/// header_only, fills `im`, `max_pixels` refused before allocating. Returns 0 on success, 1 on a
/// libjpeg error (text in e.error), 2 when the image is too large, 3 for CMYK/YCCK.
inline int jpeg_decode_c(std::span<const std::uint8_t> bytes, bool header_only, std::uint64_t max_pixels, std::vector<std::uint8_t>& px,
                         jpeg_image& im, jpeg_errors& e, J_COLOR_SPACE& space) {
  jpeg_decompress_struct cinfo{};  // zeroed: jpeg_destroy_decompress is safe even if creating it fails
  cinfo.err = jpeg_std_error(&e.mgr);
  e.mgr.error_exit = cnnbench_jpeg_error_exit;
  e.mgr.emit_message = cnnbench_jpeg_emit_message;
  e.mgr.output_message = cnnbench_jpeg_output_message;
  e.error[0] = e.warning[0] = '\0';
  e.truncated = false;
  if (setjmp(e.back) != 0) {
    jpeg_destroy_decompress(&cinfo);
    return 1;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&cinfo, TRUE);
  space = cinfo.jpeg_color_space;
  im.w = static_cast<int>(cinfo.image_width);
  im.h = static_cast<int>(cinfo.image_height);
  im.channels = cinfo.num_components == 1 ? 1 : 3;
  int result = 0;
  if (space == JCS_CMYK || space == JCS_YCCK)
    result = 3;
  else if (static_cast<std::uint64_t>(cinfo.image_width) * cinfo.image_height > max_pixels)
    result = 2;
  if (result != 0 || header_only) {
    jpeg_destroy_decompress(&cinfo);
    return result;
  }
  cinfo.out_color_space = im.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  im.w = static_cast<int>(cinfo.output_width);
  im.h = static_cast<int>(cinfo.output_height);
  im.channels = cinfo.output_components;
  const std::size_t stride = static_cast<std::size_t>(cinfo.output_width) * static_cast<std::size_t>(cinfo.output_components);
  try {
    px.resize(stride * cinfo.output_height);
  } catch (...) {  // bad_alloc: still destroy the decompressor
    jpeg_destroy_decompress(&cinfo);
    throw;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = px.data() + stride * cinfo.output_scanline;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);  // reads on to the end-of-image marker: a file cut after the
                                   // last scan still warns JWRN_JPEG_EOF here
  jpeg_destroy_decompress(&cinfo);
  return 0;
}

inline jpeg_image jpeg_decode_checked(std::span<const std::uint8_t> bytes, const std::string& name, bool header_only,
                                      std::uint64_t max_pixels, std::vector<std::uint8_t>& px) {
  if (!is_jpeg(bytes)) throw data_error(name + ": not a JPEG file (it does not start with FF D8)");
  jpeg_image im;
  jpeg_errors e;
  J_COLOR_SPACE space = JCS_UNKNOWN;
  const int r = jpeg_decode_c(bytes, header_only, max_pixels, px, im, e, space);
  const std::string lib = "libjpeg-turbo: ";
  if (e.truncated)  // also when libjpeg then failed on the grey padding it read instead
    throw data_error(name + ": truncated JPEG: the data ends before the image does (" + lib + "Premature end of JPEG file" +
                     (r == 1 ? std::string("; then: ") + e.error : std::string()) + ")");
  if (r == 1) throw data_error(name + ": cannot decode JPEG (" + lib + e.error + ")");
  if (r == 2)
    throw data_error(name + ": the header announces " + std::to_string(im.w) + "x" + std::to_string(im.h) +
                     " pixels, more than the limit of " + std::to_string(max_pixels) + " (Pillow's decompression-bomb limit)");
  if (r == 3)
    throw data_error(name + ": " + (space == JCS_CMYK ? "CMYK" : "YCCK") +
                     " JPEG: not decoded (cnnbench reads grey, YCbCr and RGB JPEGs; convert it to RGB first, e.g. with Pillow's "
                     "Image.convert(\"RGB\"))");
  return im;
}

}  // namespace detail

/// Decodes a whole JPEG held in memory into `px` (resized to h x w x channels bytes, rows top to
/// bottom, channels interleaved) and returns its size. `name` is the file the bytes came from, for
/// the messages; `max_pixels` (width x height) is checked against the header before decoding.
/// Throws data_error as in the header comment.
inline jpeg_image decode_jpeg(std::span<const std::uint8_t> bytes, const std::string& name, std::vector<std::uint8_t>& px,
                              std::uint64_t max_pixels) {
  return detail::jpeg_decode_checked(bytes, name, false, max_pixels, px);
}

/// What a JPEG's header announces (width, height, channels as decode_jpeg would give them), read
/// without decoding the pixels. Throws data_error as decode_jpeg (not for a truncated scan, which
/// only decoding finds).
inline jpeg_image jpeg_info(std::span<const std::uint8_t> bytes, const std::string& name, std::uint64_t max_pixels) {
  std::vector<std::uint8_t> none;
  return detail::jpeg_decode_checked(bytes, name, true, max_pixels, none);
}

}  // namespace cnnbench
