// libFuzzer target: the image-folder decoder (data/image_folder.hpp: libjpeg-turbo for JPEG
// (data/jpeg.hpp), stb_image for PNG, BMP, GIF, PNM, TGA, then the channel conversion and Pillow's
// bilinear resize) on one file's bytes.
// The last byte chooses 1 or 3 output channels, so both conversions run. Inputs whose header
// announces more than 2^22 pixels are skipped: decoding up to the library's limit (max_image_pixels,
// 179 M pixels, up to 1.4 GB with the conversion) is legitimate but would trip libFuzzer's memory
// limit; the limit itself is tested in tests/data/image_folder.cpp.
#include <cnnbench/data/image_folder.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {  // the header's size first (the library's own checks: stbi_info alone ran into stb_image bugs)
    const cnnbench::shape info = cnnbench::detail::checked_image_info(std::span<const std::uint8_t>(data, size), "fuzz.img");
    if (info.h * info.w > (std::size_t{1} << 22)) return 0;
  } catch (const cnnbench::error&) {
    return 0;
  }
  const std::size_t channels = size > 0 && (data[size - 1] & 1) ? 1 : 3;
  try {
    const auto px = cnnbench::decode_image(std::span<const std::uint8_t>(data, size), "fuzz.img", cnnbench::shape{channels, 24, 20});
    if (px.size() != channels * 24 * 20) __builtin_trap();
  } catch (const cnnbench::error&) {
  }
  return 0;
}
