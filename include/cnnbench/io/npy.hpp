// cnnbench/io/npy.hpp: NumPy .npy exchange of weights and activations, through xtensor
// (xt::dump_npy / xt::load_npy), so that weights move between cnnbench and Python frameworks.
//
//   export_npy(net, "weights/");   // weights/conv_1.weight.npy (float32, OIHW), weights/conv_1.bias.npy, ...
//   import_npy(net, "weights/");   // the reverse; every file must exist and have the tensor's shape
//
// Opt-in header (xtensor is heavy to compile): not included by cnnbench.hpp.
// Throws io_error (a file cannot be read or written) and data_error (wrong dtype or shape, naming
// the file, the expected and the found shape).
#pragma once
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
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

/// Reads a float32 .npy file; `dims` receives its shape. Throws io_error / data_error.
inline std::vector<float> load_npy(const std::filesystem::path& path, std::vector<std::size_t>* dims = nullptr) {
  if (!std::filesystem::exists(path)) throw io_error(path.string() + ": file not found");
  xt::xarray<float> a;
  try {
    a = xt::load_npy<float>(path.string());
  } catch (const std::exception& e) {
    throw data_error(path.string() + ": not a float32 .npy file: " + e.what());
  }
  if (dims) dims->assign(a.shape().begin(), a.shape().end());
  return std::vector<float>(a.begin(), a.end());
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
