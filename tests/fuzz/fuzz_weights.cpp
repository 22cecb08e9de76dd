// libFuzzer target: network::load (network.hpp) of a small model with BatchNorm state, from a stream.
// CNNBENCH_FUZZ_WRITE_SEED=<path> writes the seed (this model, He-uniform, seed 1) and exits.
#include <cnnbench/layers/activation.hpp>
#include <cnnbench/layers/batch_norm.hpp>
#include <cnnbench/layers/conv.hpp>
#include <cnnbench/layers/dense.hpp>
#include <cnnbench/layers/flatten.hpp>
#include <cnnbench/network.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

namespace {
using Net = cnnbench::Sequential<cnnbench::Conv<2, 3>, cnnbench::BatchNorm<>, cnnbench::ReLU, cnnbench::Flatten, cnnbench::Dense<3>>;
using Model = cnnbench::network<Net, cnnbench::shape{1, 5, 5}>;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* seed = std::getenv("CNNBENCH_FUZZ_WRITE_SEED")) {
    Model(cnnbench::init_scheme::he_uniform, 1).save(seed);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Model net;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size), std::ios::binary);
  const Model before = net;
  // Byte comparison: a loaded file may hold NaN, which compares unequal to itself.
  const auto same_bytes = [&] {
    return std::memcmp(net.params().data(), before.params().data(), Model::param_count * sizeof(float)) == 0 &&
           std::memcmp(net.state().data(), before.state().data(), Model::state_count * sizeof(float)) == 0;
  };
  try {
    net.load(in, "fuzz.cnnbench");
    if (size != 40 + 4 * (Model::param_count + Model::state_count)) __builtin_trap();  // only a whole file loads
  } catch (const cnnbench::error&) {
    if (!same_bytes()) __builtin_trap();  // a refused file changes nothing
  }
  return 0;
}
