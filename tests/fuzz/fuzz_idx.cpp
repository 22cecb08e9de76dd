// libFuzzer target: the IDX reader (data/idx.hpp) on bytes in memory, gzip or plain.
// The rank is the IDX magic's last byte when it is 1..3 (so the seeds reach the body), else 3.
#include <cnnbench/data/idx.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::size_t rank = 3;
  if (size >= 4 && data[3] >= 1 && data[3] <= 3) rank = data[3];
  try {
    const auto f = cnnbench::read_idx(std::span<const std::uint8_t>(data, size), "fuzz.idx", rank);
    std::size_t body = 1;
    for (auto d : f.dims) body *= d;
    if (body != f.data.size()) __builtin_trap();  // the body is exactly what the header announces
  } catch (const cnnbench::error&) {
  }
  return 0;
}
