// libFuzzer target: the CIFAR-10 binary reader (data/cifar10.hpp) on bytes in memory.
#include <cnnbench/data/cifar10.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto d = cnnbench::read_cifar10_bytes(std::span<const std::uint8_t>(data, size), "fuzz.bin");
    if (d.size() * cnnbench::cifar10_record_bytes != size) __builtin_trap();
  } catch (const cnnbench::error&) {
  }
  return 0;
}
