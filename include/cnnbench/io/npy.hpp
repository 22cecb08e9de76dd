// cnnbench/io/npy.hpp: NumPy .npy exchange of weights and activations, written through xtensor
// (xt::dump_npy) and read by a strict reader of its own (see load_npy for why not xt::load_npy),
// so that weights move between cnnbench and Python frameworks.
//
//   export_npy(net, "weights/");   // weights/conv_1.weight.npy (float32, OIHW), weights/conv_1.bias.npy, ...
//   import_npy(net, "weights/");   // the reverse; every file must exist and have the tensor's shape
//
// Opt-in header (xtensor is heavy to compile): not included by cnnbench.hpp.
// Throws io_error (a file cannot be read or written) and data_error (wrong dtype or shape, naming
// the file, the expected and the found shape; a header that is malformed or announces more data than
// the file holds, checked before anything is allocated: see load_npy).
#pragma once
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>
#include <xtensor/xnpy.hpp>

#include "../error.hpp"

namespace cnnbench {

/// Writes `data` as a float32 .npy file with the given shape (row-major). Throws io_error.
inline void save_npy(const std::filesystem::path& path, std::span<const float> data, std::vector<std::size_t> dims) {
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  if (n != data.size())
    throw shape_error(path.string() + ": " + std::to_string(data.size()) + " values do not fill the shape given");
  try {
    auto view = xt::adapt(data.data(), data.size(), xt::no_ownership(), dims);
    xt::dump_npy(path.string(), view);
  } catch (const std::exception& e) {
    throw io_error(path.string() + ": cannot write .npy: " + e.what());
  }
}

namespace detail {
/// The dimensions and data offset of a float32 C-order .npy file, checked against its size.
struct npy_layout {
  std::vector<std::size_t> dims;
  std::size_t data_offset = 0;
};

/// Checks the .npy header of `b` strictly (see load_npy) before anything is allocated for the data.
inline npy_layout check_npy_header(std::span<const std::uint8_t> b, const std::string& name) {
  static constexpr unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (b.size() < 8 || !std::equal(magic, magic + 6, b.begin()))
    throw data_error(name + ": not a .npy file (no \\x93NUMPY magic at offset 0)");
  const unsigned major = b[6], minor = b[7];
  if ((major != 1 && major != 2) || minor != 0)
    throw data_error(name + ": .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                     " at offset 6, expected 1.0 or 2.0");
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  if (b.size() < 8 + len_bytes) throw data_error(name + ": truncated .npy header (" + std::to_string(b.size()) + " bytes)");
  std::size_t hlen = 0;
  for (std::size_t i = 0; i < len_bytes; ++i) hlen |= std::size_t{b[8 + i]} << (8 * i);
  const std::size_t start = 8 + len_bytes;
  if (hlen > b.size() - start)
    throw data_error(name + ": the .npy header length " + std::to_string(hlen) + " at offset 8 runs past the end of the file (" +
                     std::to_string(b.size()) + " bytes)");
  const std::string_view h(reinterpret_cast<const char*>(b.data() + start), hlen);
  const auto bad = [&](const std::string& what) {
    std::string shown(h.substr(0, 120));
    for (char& c : shown) c = (c >= ' ' && c <= '~') ? c : '?';
    return data_error(name + ": .npy header " + what + " (header: " + shown + (h.size() > 120 ? "..." : "") + ")");
  };
  // The header is a Python dict literal with exactly the keys 'descr', 'fortran_order' and 'shape'
  // (numpy's format), then blanks; anything else is refused.
  std::size_t i = 0;
  const auto blanks = [&] {
    while (i < h.size() && (h[i] == ' ' || h[i] == '\t' || h[i] == '\n' || h[i] == '\r')) ++i;
  };
  const auto at = [&](char c) { return i < h.size() && h[i] == c; };
  npy_layout l;
  bool seen[3] = {false, false, false};
  blanks();
  if (!at('{')) throw bad("is not a Python dict");
  ++i;
  for (;;) {
    blanks();
    if (at('}')) break;
    if (!at('\'')) throw bad("has a key that is not a quoted name at offset " + std::to_string(start + i));
    const std::size_t end = h.find('\'', i + 1);
    if (end == std::string_view::npos) throw bad("has an unterminated key");
    const std::string key(h.substr(i + 1, end - i - 1));
    i = end + 1;
    blanks();
    if (!at(':')) throw bad("has no ':' after '" + key + "'");
    ++i;
    blanks();
    const int k = key == "descr" ? 0 : key == "fortran_order" ? 1 : key == "shape" ? 2 : -1;
    if (k < 0) throw bad("has an unknown key '" + key.substr(0, 40) + "'");
    if (seen[k]) throw bad("has the key '" + key + "' twice");
    seen[k] = true;
    if (k == 0) {
      if (h.substr(i, 5) != "'<f4'") throw bad("dtype is not '<f4' (float32, little-endian)");
      i += 5;
    } else if (k == 1) {
      if (h.substr(i, 5) != "False") throw bad("fortran_order is not False (C order)");
      i += 5;
    } else {
      if (!at('(')) throw bad("'shape' is not a tuple");
      ++i;
      std::size_t count = 1;  // checked for overflow as the dimensions arrive
      for (;;) {
        blanks();
        if (at(')')) break;
        if (i >= h.size() || h[i] < '0' || h[i] > '9') throw bad("'shape' is not a tuple of integers");
        std::size_t d = 0;
        for (; i < h.size() && h[i] >= '0' && h[i] <= '9'; ++i) {
          if (d > (std::numeric_limits<std::size_t>::max() - 9) / 10) throw bad("has a dimension past 2^64");
          d = d * 10 + static_cast<std::size_t>(h[i] - '0');
        }
        l.dims.push_back(d);
        if (d != 0 && count > std::numeric_limits<std::size_t>::max() / 4 / d) throw bad("'shape' announces more than 2^64 bytes");
        count *= d;
        if (l.dims.size() > 32) throw bad("'shape' has more than 32 dimensions");
        blanks();
        if (at(',')) {
          ++i;
          continue;
        }
        if (at(')')) break;
        throw bad("'shape' is not a tuple of integers");
      }
      ++i;  // ')'
      if (l.dims.size() == 1 && h.substr(0, i).find(',', h.substr(0, i).rfind('(')) == std::string_view::npos)
        throw bad("'shape' (n) is not a tuple: a 1-d shape is written (n,)");
    }
    blanks();
    if (at(',')) {
      ++i;
      continue;
    }
    if (at('}')) break;
    throw bad("is not a Python dict (expected ',' or '}' at offset " + std::to_string(start + i) + ")");
  }
  ++i;  // '}'
  blanks();
  if (i != h.size()) throw bad("has text after the dict at offset " + std::to_string(start + i));
  if (!seen[0]) throw bad("has no 'descr' key");
  if (!seen[1]) throw bad("has no 'fortran_order' key");
  if (!seen[2]) throw bad("has no 'shape' key");
  std::size_t count = 1;
  for (const std::size_t d : l.dims) count *= d;
  l.data_offset = start + hlen;
  const std::size_t have = b.size() - l.data_offset;
  if (have != count * 4)
    throw data_error(name + ": the .npy shape " + [&] {
      std::string t = "(";
      for (std::size_t j = 0; j < l.dims.size(); ++j) t += (j ? ", " : "") + std::to_string(l.dims[j]);
      return t + ")";
    }() + " needs " + std::to_string(count * 4) + " bytes of float32 data after offset " + std::to_string(l.data_offset) +
                     ", the file has " + std::to_string(have));
  return l;
}
}  // namespace detail

/// Reads a float32 .npy file held in memory; `name` stands for the file in messages, `dims`
/// receives its shape. The header is checked strictly before anything is allocated: magic
/// \x93NUMPY, version 1.0 or 2.0, the header inside the file, dtype '<f4', fortran_order False, a
/// shape tuple of integers whose float32 size equals the bytes after the header; then the data is
/// copied out. Throws data_error naming the file and the value.
/// (Reading goes around xtensor 0.24's load_npy, found wanting by tests/fuzz/fuzz_npy: it decodes
/// the header length from signed chars, so a length byte >= 0x80 (a numpy header of 182 bytes, or
/// any hostile one) becomes a length near 64 KiB or 4 GiB, which it allocates and reads; and it
/// allocates whatever the shape announces without checking that the data is there.)
inline std::vector<float> load_npy(std::span<const std::uint8_t> bytes, const std::string& name,
                                   std::vector<std::size_t>* dims = nullptr) {
  static_assert(std::endian::native == std::endian::little, "cnnbench: .npy '<f4' is read on little-endian hosts only");
  const detail::npy_layout l = detail::check_npy_header(bytes, name);
  std::vector<float> v((bytes.size() - l.data_offset) / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), bytes.data() + l.data_offset, v.size() * sizeof(float));
  if (dims) *dims = l.dims;
  return v;
}

/// Reads a float32 .npy file (see the overload above). Throws io_error / data_error.
inline std::vector<float> load_npy(const std::filesystem::path& path, std::vector<std::size_t>* dims = nullptr) {
  const std::string p = path.string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw io_error(p + ": file not found");
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw io_error(p + ": cannot read its size (" + ec.message() + ")");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw io_error(p + ": cannot open for reading");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  f.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<std::uintmax_t>(f.gcount()) != size)
    throw io_error(p + ": read " + std::to_string(f.gcount()) + " of its " + std::to_string(size) + " bytes");
  return load_npy(std::span<const std::uint8_t>(bytes), p, dims);
}

namespace detail {
inline std::string dims_text(const std::vector<std::size_t>& d) {
  std::string s = "(";
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + (d.size() == 1 ? ",)" : ")");
}
}  // namespace detail

/// Writes every tensor of `net` to `dir`/<name>.npy (creating `dir`).
template <class Network>
void export_npy(const Network& net, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  for (const auto& t : net.tensors())
    save_npy(dir / (std::string(t.name) + ".npy"), t.data, std::vector<std::size_t>(t.dims.begin(), t.dims.begin() + t.rank));
}

/// Reads every tensor of `net` from `dir`/<name>.npy; all files are checked before anything changes.
template <class Network>
void import_npy(Network& net, const std::filesystem::path& dir) {
  auto views = net.tensors();
  std::vector<std::vector<float>> loaded;
  for (const auto& t : views) {
    const auto path = dir / (std::string(t.name) + ".npy");
    std::vector<std::size_t> dims;
    auto v = load_npy(path, &dims);
    const std::vector<std::size_t> want(t.dims.begin(), t.dims.begin() + t.rank);
    if (dims != want)
      throw data_error(path.string() + ": shape " + detail::dims_text(dims) + ", expected " + detail::dims_text(want));
    loaded.push_back(std::move(v));
  }
  for (std::size_t i = 0; i < views.size(); ++i) std::copy(loaded[i].begin(), loaded[i].end(), views[i].data.begin());
}

}  // namespace cnnbench
