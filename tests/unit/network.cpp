// network<>: initialisation schemes (distributions, determinism pinned to exact bytes), tensor
// views, save/load with the architecture hash, .npy exchange, and the portable generator.
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/io/npy.hpp>

#include <cmath>
#include <filesystem>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "support/catch.hpp"

using namespace cnnbench;
namespace fs = std::filesystem;

namespace {
fs::path work(const std::string& name) {
  const fs::path p = fs::path(CNNBENCH_TEST_WORK_DIR) / "network" / name;
  fs::create_directories(p.parent_path());
  return p;
}
template <class T>
std::uint64_t fnv(std::span<T> v) {
  std::uint64_t h = 14695981039346656037ull;
  const auto* b = reinterpret_cast<const unsigned char*>(v.data());
  for (std::size_t i = 0; i < v.size_bytes(); ++i) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}
struct moments {
  double mean = 0, var = 0, min = 1e300, max = -1e300;
};
moments stats(std::span<const float> v) {
  moments m;
  for (float x : v) {
    m.mean += x;
    m.min = std::min<double>(m.min, x);
    m.max = std::max<double>(m.max, x);
  }
  m.mean /= static_cast<double>(v.size());
  for (float x : v) m.var += (x - m.mean) * (x - m.mean);
  m.var /= static_cast<double>(v.size());
  return m;
}
using Wide = Sequential<Flatten, Dense<300>, BatchNorm<>, ReLU, Dense<200>>;  // fans 400/300 and 300/200
constexpr shape wide_in{4, 10, 10};
}  // namespace

TEST_CASE("init schemes follow their formulas (bounds and variances)", "[network][init]") {
  const double fi = 400, fo = 300;
  auto weight = [](const auto& net) { return stats(net.tensor("dense_1.weight").data); };
  auto bias = [](const auto& net) { return stats(net.tensor("dense_1.bias").data); };
  SECTION("glorot_uniform: U(+-sqrt(6/(fan_in+fan_out))), zero bias") {
    network<Wide, wide_in> net(init_scheme::glorot_uniform, 1);
    const double a = std::sqrt(6 / (fi + fo));
    const auto m = weight(net);
    REQUIRE(m.max <= a);
    REQUIRE(m.min >= -a);
    REQUIRE(m.max > 0.99 * a);
    REQUIRE(std::fabs(m.var - a * a / 3) < 0.02 * a * a / 3);
    REQUIRE(bias(net).max == 0);
    REQUIRE(bias(net).min == 0);
  }
  SECTION("he_uniform and torch_default") {
    network<Wide, wide_in> he(init_scheme::he_uniform, 2), torch(init_scheme::torch_default, 2);
    REQUIRE(weight(he).max <= std::sqrt(6 / fi));
    REQUIRE(std::fabs(weight(he).var - 2 / fi) < 0.02 * 2 / fi);
    const double b = 1 / std::sqrt(fi);
    REQUIRE(weight(torch).max <= b);
    REQUIRE(std::fabs(weight(torch).var - b * b / 3) < 0.02 * b * b / 3);
    REQUIRE(bias(torch).max <= b);
    REQUIRE(bias(torch).max > 0.5 * b);  // U(+-1/sqrt(fan_in)) biases, not zeros
  }
  SECTION("normal schemes: truncated at 2 sd, variance kept (Keras)") {
    for (auto [scheme, var] : {std::pair{init_scheme::glorot_normal, 2 / (fi + fo)}, std::pair{init_scheme::he_normal, 2 / fi},
                               std::pair{init_scheme::lecun_normal, 1 / fi}}) {
      network<Wide, wide_in> net(scheme, 3);
      const auto m = weight(net);
      INFO(to_string(scheme));
      const double sd = std::sqrt(var) / 0.87962566103423978;
      REQUIRE(m.max <= 2 * sd);
      REQUIRE(m.min >= -2 * sd);
      REQUIRE(std::fabs(m.mean) < 0.01 * sd);
      REQUIRE(std::fabs(m.var - var) < 0.03 * var);
    }
  }
  SECTION("zeros, and BatchNorm gamma 1, beta 0, running mean 0, running var 1 under every scheme") {
    network<Wide, wide_in> net(init_scheme::zeros, 4), g(init_scheme::glorot_uniform, 4);
    REQUIRE(weight(net).max == 0);
    for (const auto* n : {&net, &g}) {
      REQUIRE(stats(n->tensor("batch_norm_1.weight").data).min == 1);
      REQUIRE(stats(n->tensor("batch_norm_1.bias").data).max == 0);
      REQUIRE(stats(n->tensor("batch_norm_1.running_mean").data).max == 0);
      REQUIRE(stats(n->tensor("batch_norm_1.running_var").data).min == 1);
    }
  }
  REQUIRE(parse_init_scheme("he_normal") == init_scheme::he_normal);
  REQUIRE_THROWS_WITH(parse_init_scheme("xavier"), Catch::Matchers::Contains("unknown init scheme 'xavier'"));
}

TEST_CASE("init is deterministic to the byte: pinned hashes of S1's initial weights", "[network][init][determinism]") {
  // These hashes pin the generator and the schemes: the same values on every compiler, standard
  // library and optimisation level. If one changes, every published comparison's starting point moved.
  using S1 = network<models::FashionMnistCnn, models::fashion_mnist_input>;
  const S1 a(init_scheme::glorot_uniform, 42), b(init_scheme::glorot_uniform, 42), c(init_scheme::glorot_uniform, 43);
  REQUIRE(a == b);
  REQUIRE(!(a == c));
  CHECK(fnv(a.params()) == 0xcf9af4b4db501a26ull);  // also reproduced byte for byte by a Python SplitMix64
  CHECK(fnv(S1(init_scheme::he_normal, 42).params()) == 0xd5743fd2a90b6e08ull);
  CHECK(fnv(S1(init_scheme::torch_default, 7).params()) == 0xcf66b1f23066bd8full);
  // A layer's initial values depend on the seed, its position and its own shape only.
  using Other = network<Sequential<ZeroPad<1>, Conv<16, 3>, ReLU, Flatten, Dense<5>>, models::fashion_mnist_input>;
  const Other o(init_scheme::glorot_uniform, 42);
  const auto w1 = a.tensor("conv_1.weight").data, w2 = o.tensor("conv_1.weight").data;
  REQUIRE(std::equal(w1.begin(), w1.end(), w2.begin(), w2.end()));
}

TEST_CASE("the portable logarithm and the normal generator", "[random]") {
  for (double x : {1e-300, 1e-10, 0.001, 0.1, 0.5, 0.70710678, 0.9999999, 1.0, 1.5, 2.0, 3.14159, 1e10}) {
    INFO("x = " << x);
    REQUIRE(std::fabs(detail::portable_log(x) - std::log(x)) <= 4e-16 * std::max(1.0, std::fabs(std::log(x))));
  }
  rng r(123);
  double s = 0, q = 0;
  const int count = 200000;
  for (int i = 0; i < count; ++i) {
    const double z = r.normal();
    s += z;
    q += z * z;
  }
  REQUIRE(std::fabs(s / count) < 0.01);
  REQUIRE(std::fabs(q / count - 1) < 0.01);
  rng u(5);
  std::vector<int> bins(10, 0);
  for (int i = 0; i < 100000; ++i) ++bins[static_cast<std::size_t>(u.below(10))];
  for (int b : bins) REQUIRE(std::abs(b - 10000) < 500);
}

TEST_CASE("tensors: names, shapes and offsets match the layout", "[network][tensors]") {
  network<models::FashionMnistCnn, models::fashion_mnist_input> net(init_scheme::glorot_uniform, 1);
  const auto ts = net.tensors();
  REQUIRE(ts.size() == 10);
  REQUIRE(ts[0].name == "conv_1.weight");
  REQUIRE(ts[0].rank == 4);
  REQUIRE(ts[0].dims == std::array<std::size_t, 4>{16, 1, 3, 3});
  REQUIRE(ts[0].data.data() == net.params().data());
  REQUIRE(ts[1].name == "conv_1.bias");
  REQUIRE(ts[1].data.data() == net.params().data() + 144);
  REQUIRE(ts[6].name == "dense_1.weight");
  REQUIRE(ts[6].dims == std::array<std::size_t, 4>{72, 576, 0, 0});
  REQUIRE(net.layer_params(13).data() == ts[6].data.data());
  REQUIRE_THROWS_WITH(net.tensor("conv_9.weight"), Catch::Matchers::Contains("conv_1.weight, conv_1.bias"));
  REQUIRE_THROWS_AS(net.layer_params(16), value_error);
}

TEST_CASE("save and load: round trip, and every wrong file is named", "[network][io]") {
  using S1 = network<models::FashionMnistCnn, models::fashion_mnist_input>;
  network<Wide, wide_in> wide(init_scheme::he_normal, 9);
  wide.state()[0] = 0.25f;  // state travels too
  const auto path = work("wide.cnnbench");
  wide.save(path);
  REQUIRE(fs::file_size(path) == 40 + 4 * (wide.param_count + wide.state_count));
  auto back = network<Wide, wide_in>::from_file(path);
  REQUIRE(back == wide);

  S1 s1;
  try {
    s1.load(path);
    FAIL("loading another architecture must throw");
  } catch (const model_mismatch& e) {
    const std::string what = e.what();
    REQUIRE_THAT(what, Catch::Matchers::Contains(path.string()));
    REQUIRE_THAT(what, Catch::Matchers::Contains(detail::hex64(wide.architecture_hash)));
    REQUIRE_THAT(what, Catch::Matchers::Contains(detail::hex64(S1::architecture_hash)));
  }
  REQUIRE_THROWS_AS(s1.load(work("missing.cnnbench")), io_error);
  {
    std::ofstream f(work("foreign.bin"), std::ios::binary);
    f << "PK\x03\x04 this is a zip file, not weights";
  }
  REQUIRE_THROWS_WITH(s1.load(work("foreign.bin")), Catch::Matchers::Contains("bad magic at offset 0"));
  fs::copy_file(path, work("short.cnnbench"), fs::copy_options::overwrite_existing);
  fs::resize_file(work("short.cnnbench"), fs::file_size(path) - 10);
  REQUIRE_THROWS_WITH(back.load(work("short.cnnbench")), Catch::Matchers::Contains("truncated"));
  REQUIRE(back == wide);  // a failed load changes nothing
  // Bytes after the state: refused (a one-byte bounded read), naming the offset.
  fs::copy_file(path, work("long.cnnbench"), fs::copy_options::overwrite_existing);
  { std::ofstream(work("long.cnnbench"), std::ios::binary | std::ios::app) << "xyz"; }
  const std::string whole = std::to_string(fs::file_size(path));
  REQUIRE_THROWS_WITH(back.load(work("long.cnnbench")),
                      Catch::Matchers::Contains("long.cnnbench: unexpected bytes after the " + whole + " bytes of the weights"));
  REQUIRE(back == wide);
  // From a stream, named as given.
  std::ifstream in(path, std::ios::binary);
  network<Wide, wide_in> from_stream;
  from_stream.load(in, "stream");
  REQUIRE(from_stream == wide);
}

TEST_CASE(".npy export and import through xtensor", "[network][npy]") {
  network<models::LeNet5, models::mnist_input> net(init_scheme::glorot_uniform, 3), other;
  const auto dir = work("lenet_npy");
  export_npy(net, dir);
  REQUIRE(fs::exists(dir / "conv_1.weight.npy"));
  std::vector<std::size_t> dims;
  const auto w = load_npy(dir / "conv_2.weight.npy", &dims);
  REQUIRE(dims == std::vector<std::size_t>{16, 6, 5, 5});
  REQUIRE(std::equal(w.begin(), w.end(), net.tensor("conv_2.weight").data.begin()));
  import_npy(other, dir);
  REQUIRE(other == net);
  // A tensor of the wrong shape is named with both shapes, and nothing changes.
  const std::vector<float> wrong(16 * 6 * 5 * 4, 1.0f);
  save_npy(dir / "conv_2.weight.npy", wrong, {16, 6, 5, 4});
  network<models::LeNet5, models::mnist_input> third;
  REQUIRE_THROWS_WITH(import_npy(third, dir), Catch::Matchers::Contains("conv_2.weight.npy: shape (16, 6, 5, 4), expected (16, 6, 5, 5)"));
  REQUIRE(third == network<models::LeNet5, models::mnist_input>{});
  export_npy(net, dir);
  fs::remove(dir / "dense_3.bias.npy");
  REQUIRE_THROWS_AS(import_npy(third, dir), io_error);
}

namespace {
/// A .npy file as numpy.save writes it (format 1.0): the header text given, padded, then `data`.
std::vector<std::uint8_t> npy_bytes(const std::string& dict, const std::vector<float>& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string all = "\x93NUMPY";
  all += '\x01';
  all += '\x00';
  all += static_cast<char>(header.size() & 0xff);
  all += static_cast<char>(header.size() >> 8);
  all += header;
  all.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float));
  std::vector<std::uint8_t> b(all.begin(), all.end());
  return b;
}
}  // namespace

TEST_CASE(".npy headers are checked before xtensor allocates: absurd shapes, missing data, wrong dtype", "[network][npy]") {
  const std::vector<float> six{1, 2, 3, 4, 5, 6};
  std::vector<std::size_t> dims;
  const auto good = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", six);
  REQUIRE(load_npy(good, "good.npy", &dims) == six);
  REQUIRE(dims == std::vector<std::size_t>{2, 3});
  // Also through a file, byte for byte as written here.
  const auto path = work("good.npy");
  { std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(good.data()), static_cast<std::streamsize>(good.size())); }
  REQUIRE(load_npy(path) == six);
  // xtensor alone allocates 2^40 floats for this header (and returns uninitialised memory for a
  // short file): refused from the header and the file size.
  REQUIRE_THROWS_WITH(load_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576), }", six), "huge.npy"),
                      Catch::Matchers::Contains("huge.npy: the .npy shape (1048576, 1048576) needs 4398046511104 bytes of float32 data "
                                                "after offset 128, the file has 24"));
  REQUIRE_THROWS_WITH(load_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }", six), "short.npy"),
                      Catch::Matchers::Contains("short.npy: the .npy shape (2, 4) needs 32 bytes"));
  REQUIRE_THROWS_WITH(load_npy(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", six), "f8.npy"),
                      Catch::Matchers::Contains("f8.npy: .npy header dtype is not '<f4'"));
  REQUIRE_THROWS_WITH(load_npy(npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", six), "f.npy"),
                      Catch::Matchers::Contains("f.npy: .npy header fortran_order is not False"));
  REQUIRE_THROWS_WITH(load_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", six), "neg.npy"),
                      Catch::Matchers::Contains("neg.npy: .npy header 'shape' is not a tuple of integers"));
  REQUIRE_THROWS_WITH(load_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, 1), }", six), "big.npy"),
                      Catch::Matchers::Contains("big.npy: .npy header has a dimension past 2^64"));
  auto cut = good;
  cut[8] = 0xff;  // header length 0x00ff... past the end of the file
  cut[9] = 0x7f;
  REQUIRE_THROWS_WITH(load_npy(cut, "cut.npy"), Catch::Matchers::Contains("cut.npy: the .npy header length 32767 at offset 8 runs past the end"));
  REQUIRE_THROWS_WITH(load_npy(std::vector<std::uint8_t>{'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0}, "zip.npy"),
                      Catch::Matchers::Contains("zip.npy: not a .npy file"));
}

TEST_CASE(".npy header lengths with a byte of 0x80 or more: read as numpy writes them (xtensor 0.24 misread them)", "[network][npy][fuzz]") {
  // numpy pads the header so that 10 + its length is a multiple of 64: 182 = 0xb6 happens for a
  // long dict. xtensor's load_npy decodes the length from signed chars (0xb6 -> 0xffb6) and reads
  // 65,462 bytes of header; found by tests/fuzz/fuzz_npy through a format 2.0 length 0xdb ->
  // 0xffffffdb, a 4 GiB allocation (tests/fixtures/fuzz/xtensor_npy_header_length_sign.npy).
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  dict.append(181 - dict.size(), ' ');
  const std::vector<float> six{1, 2, 3, 4, 5, 6};
  auto b = npy_bytes(dict, six);
  REQUIRE(b[8] == 0xb6);  // header length 182, little-endian
  REQUIRE(b[9] == 0);
  std::vector<std::size_t> dims;
  REQUIRE(load_npy(b, "long_header.npy", &dims) == six);
  REQUIRE(dims == std::vector<std::size_t>{2, 3});

  const fs::path fixture = fs::path(CNNBENCH_TEST_FIXTURES) / "fuzz" / "xtensor_npy_header_length_sign.npy";
  REQUIRE(fs::exists(fixture));
  // Its header is no dict numpy writes (a key "deN8cnnbenc..."): refused by the strict header check.
  REQUIRE_THROWS_WITH(load_npy(fixture), Catch::Matchers::Contains("[cnnbench.data] " + fixture.string() + ": .npy header "));
}
