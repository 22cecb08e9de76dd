// Residual models in network<>: the parameter layout, named tensors, init (each sub-layer's tensors
// with their own fans and streams), save/load and the architecture hash; and models::ResNet18Cifar
// cross-checked against the same model built with torch.nn (tests/scripts/resnet18_cifar.py):
// parameter total, running-statistics total, and every parameter and buffer shape in state_dict order.
#include <cnnbench/models/published.hpp>
#include <cnnbench/network.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>

#include "support/catch.hpp"

using namespace cnnbench;
namespace fs = std::filesystem;

namespace {
fs::path work(const std::string& name) {
  const fs::path p = fs::path(CNNBENCH_TEST_WORK_DIR) / "residual" / name;
  fs::create_directories(p.parent_path());
  return p;
}
double max_abs(std::span<const float> v) {
  double m = 0;
  for (float x : v) m = std::max(m, std::fabs(static_cast<double>(x)));
  return m;
}

// main conv fan_in 16*3*3 = 144, shortcut conv fan_in 16: he_uniform bounds sqrt(6/144) and sqrt(6/16)
using Block = Residual<Conv<32, 3, 1, same, no_bias>, BatchNorm<>, Shortcut<Conv<32, 1, 1, valid, no_bias>, BatchNorm<>>>;
using Net = Sequential<Conv<16, 3, 1, same>, ReLU, Block, ReLU, GlobalAvgPool, Dense<4>>;
// A block with an identity shortcut, and the same layers (the same parameter layout) without the skip.
using Skip = Sequential<Conv<16, 3, 1, same>, ReLU, Residual<Conv<16, 3, 1, same, no_bias>, BatchNorm<>>, ReLU, GlobalAvgPool, Dense<4>>;
using NoSkip = Sequential<Conv<16, 3, 1, same>, ReLU, Conv<16, 3, 1, same, no_bias>, BatchNorm<>, ReLU, GlobalAvgPool, Dense<4>>;
constexpr shape in{3, 8, 8};
constexpr shape block_in{16, 8, 8};
static_assert(param_count_v<Skip, in> == param_count_v<NoSkip, in> && state_count_v<Skip, in> == state_count_v<NoSkip, in>);
static_assert(architecture_hash_v<Skip, in> != architecture_hash_v<NoSkip, in>);

std::string quoted(const std::string& s) { return "'" + s + "'"; }

/// Runs a command and returns its standard output and exit status.
std::pair<std::string, int> run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return {out, -1};
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = ::pclose(p);
  return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

std::string dims_text(const tensor_view<const float>& t) {
  std::string s;
  for (std::size_t i = 0; i < t.rank; ++i) s += (i ? "x" : "") + std::to_string(t.dims[i]);
  return s;
}
}  // namespace

TEST_CASE("Residual in network: tensors are named by their path and lie in the block's slices", "[network][residual]") {
  network<Net, in> net(init_scheme::glorot_uniform, 1);
  constexpr std::size_t i = 2;  // the Residual is leaf layer 2
  static_assert(std::is_same_v<detail::at_t<i, network<Net, in>::layers>, bound<Block, block_in>>);
  const auto ts = net.tensors();
  std::vector<std::string> names;
  for (const auto& t : ts) names.emplace_back(t.name);
  REQUIRE(names == std::vector<std::string>{
                       "conv_1.weight", "conv_1.bias",                                                    //
                       "residual_1.main.conv_1.weight", "residual_1.main.batch_norm_1.weight",            //
                       "residual_1.main.batch_norm_1.bias", "residual_1.shortcut.conv_1.weight",          //
                       "residual_1.shortcut.batch_norm_1.weight", "residual_1.shortcut.batch_norm_1.bias",  //
                       "residual_1.main.batch_norm_1.running_mean", "residual_1.main.batch_norm_1.running_var",
                       "residual_1.shortcut.batch_norm_1.running_mean", "residual_1.shortcut.batch_norm_1.running_var",
                       "dense_1.weight", "dense_1.bias"});
  // The offsets a back end reads from the Residual type address the same tensors.
  const float* slice = net.params().data() + net.param_offsets[i];
  REQUIRE(net.tensor("residual_1.main.conv_1.weight").data.data() == slice + Block::main_param_offsets<block_in>[0]);
  REQUIRE(net.tensor("residual_1.main.batch_norm_1.weight").data.data() == slice + Block::main_param_offsets<block_in>[1]);
  REQUIRE(net.tensor("residual_1.shortcut.conv_1.weight").data.data() == slice + Block::shortcut_param_offsets<block_in>[0]);
  REQUIRE(net.tensor("residual_1.shortcut.conv_1.weight").dims == std::array<std::size_t, 4>{32, 16, 1, 1});
  REQUIRE(net.tensor("residual_1.shortcut.batch_norm_1.weight").data.data() ==
          slice + Block::shortcut_param_offsets<block_in>[1]);
  REQUIRE(net.layer_params(i).size() == Block::param_count<block_in>);
  const float* state = net.state().data() + net.state_offsets[i];
  REQUIRE(net.tensor("residual_1.shortcut.batch_norm_1.running_var").data.data() ==
          state + Block::shortcut_state_offsets<block_in>[1] + 32);
  REQUIRE_FALSE(net.tensor("residual_1.main.batch_norm_1.running_mean").trainable);
  REQUIRE(net.tensor("residual_1.main.batch_norm_1.running_mean").layer == i);
  REQUIRE_THROWS_WITH(net.tensor("residual_1.conv_1.weight"),
                      Catch::Matchers::Contains("residual_1.main.conv_1.weight, residual_1.main.batch_norm_1.weight"));
}

TEST_CASE("Residual in network: init uses each sub-layer's own fans and streams", "[network][residual][init]") {
  network<Net, in> net(init_scheme::he_uniform, 5);
  const double a_main = std::sqrt(6.0 / 144), a_short = std::sqrt(6.0 / 16);
  const auto m = max_abs(net.tensor("residual_1.main.conv_1.weight").data);
  const auto s = max_abs(net.tensor("residual_1.shortcut.conv_1.weight").data);
  REQUIRE(m <= a_main);
  REQUIRE(m > 0.99 * a_main);  // 4,608 draws
  REQUIRE(s <= a_short);
  REQUIRE(s > 0.95 * a_short);  // 512 draws
  REQUIRE(s > 2 * a_main);      // not the main conv's bound
  for (const char* n : {"residual_1.main.batch_norm_1.weight", "residual_1.shortcut.batch_norm_1.weight",
                        "residual_1.shortcut.batch_norm_1.running_var"})
    for (float v : net.tensor(n).data) REQUIRE(v == 1.0f);
  for (const char* n : {"residual_1.main.batch_norm_1.bias", "residual_1.main.batch_norm_1.running_mean"})
    for (float v : net.tensor(n).data) REQUIRE(v == 0.0f);
  // deterministic; another seed gives other weights
  REQUIRE(net == network<Net, in>(init_scheme::he_uniform, 5));
  REQUIRE_FALSE(net == network<Net, in>(init_scheme::he_uniform, 6));
}

TEST_CASE("Residual in network: save and load, and the skip is part of the architecture", "[network][residual][io]") {
  network<Net, in> net(init_scheme::torch_default, 3);
  net.state()[5] = 0.5f;
  const auto path = work("block.cnnbench");
  net.save(path);
  REQUIRE(fs::file_size(path) == 40 + 4 * (net.param_count + net.state_count));
  REQUIRE(network<Net, in>::from_file(path) == net);
  // The same parameter layout without the skip: refused, naming both hashes.
  network<Skip, in> skip(init_scheme::glorot_uniform, 4);
  skip.save(work("skip.cnnbench"));
  REQUIRE(network<Skip, in>::from_file(work("skip.cnnbench")) == skip);
  network<NoSkip, in> flat;
  REQUIRE_THROWS_AS(flat.load(work("skip.cnnbench")), model_mismatch);
  REQUIRE_THROWS_WITH(flat.load(work("skip.cnnbench")),
                      Catch::Matchers::Contains(detail::hex64(network<Skip, in>::architecture_hash)));
  REQUIRE(flat == network<NoSkip, in>{});
}

TEST_CASE("ResNet18Cifar matches PyTorch: parameter and buffer counts and shapes in state_dict order",
          "[models][residual][torch]") {
  using R = network<models::ResNet18Cifar, models::cifar10_input>;
  const fs::path script = fs::path(CNNBENCH_TEST_SCRIPTS) / "resnet18_cifar.py";
  REQUIRE(fs::exists(script));
  if (!fs::exists(CNNBENCH_TEST_PYTHON)) CNNBENCH_SKIP(CNNBENCH_TEST_PYTHON " not found");
  const auto [out, rc] = run(quoted(CNNBENCH_TEST_PYTHON) + " " + quoted(script.string()) + " 2>&1");
  if (rc == 3) CNNBENCH_SKIP(CNNBENCH_TEST_PYTHON " has no torch (" << out << ")");
  INFO(out);
  REQUIRE(rc == 0);

  std::size_t torch_params = 0, torch_buffers = 0;
  std::vector<std::string> torch_param_dims, torch_buffer_dims;
  std::istringstream lines(out);
  for (std::string kind, value; lines >> kind >> value;) {
    if (kind == "params") torch_params = std::stoull(value);
    else if (kind == "buffers") torch_buffers = std::stoull(value);
    else if (kind == "param") torch_param_dims.push_back(value);
    else if (kind == "buffer") torch_buffer_dims.push_back(value);
  }
  CHECK(torch_params == 11'173'962);
  REQUIRE(torch_params == param_count_v<models::ResNet18Cifar, models::cifar10_input>);
  REQUIRE(torch_buffers == state_count_v<models::ResNet18Cifar, models::cifar10_input>);

  const R net;
  std::vector<std::string> param_dims, buffer_dims;
  for (const auto& t : net.tensors()) (t.trainable ? param_dims : buffer_dims).push_back(dims_text(t));
  CHECK(param_dims.size() == 62);  // 20 conv weights + 20 BatchNorms * 2 + Linear weight and bias
  REQUIRE(param_dims == torch_param_dims);
  REQUIRE(buffer_dims == torch_buffer_dims);
}
