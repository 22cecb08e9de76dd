// libFuzzer target: the .npy reader (io/npy.hpp: the header check, then xtensor's loader) on bytes in memory.
#include <cnnbench/io/npy.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    std::vector<std::size_t> dims;
    const auto v = cnnbench::load_npy(std::span<const std::uint8_t>(data, size), "fuzz.npy", &dims);
    std::size_t n = 1;
    for (auto d : dims) n *= d;
    if (n != v.size()) __builtin_trap();
  } catch (const cnnbench::error&) {
  }
  return 0;
}
