// cnnbench/network.hpp: network<Net, In>, the run-time parameters of a model.
//
//   network<models::FashionMnistCnn, shape{1, 28, 28}> net(init_scheme::glorot_uniform, /*seed=*/42);
//   net.save("s1.cnnbench");                 // binary, with the architecture hash
//   auto w = net.tensor("conv_1.weight");    // a view: name, dims (OIHW), data
//
// LAYOUT. All trainable parameters live in ONE contiguous float32 host buffer, 64-byte aligned.
// Leaf layer i owns [param_offsets[i], param_offsets[i + 1]); inside it its tensors follow each
// other in the order of bound<L, S>::params: weight then bias. Conv weights are OIHW
// ([filters][in channels][kernel rows][kernel cols]), Dense weights [out][in] (PyTorch's layouts), so
// every back end (and torch) imports and exports the same bytes without reordering. Non-trainable
// state (BatchNorm running mean and variance) lives in a second buffer laid out the same way.
//
// Tensor names are "<layer name>.<tensor name>" with the layer names of summary() (conv_1.weight,
// dense_2.bias, batch_norm_1.running_var), i.e. Keras' layer names and PyTorch's parameter names.
// A Residual's tensor names are paths inside it (residual.hpp): residual_1.main.conv_2.weight,
// residual_2.shortcut.batch_norm_1.running_mean; its parameters come main branch first, then the
// shortcut, and its state after all its parameters, as for any layer.
//
// FILES (save/load): little-endian; "CNNBENCH" (8 bytes), format version (u32 = 1), reserved (u32),
// architecture hash (u64, architecture_hash_v), parameter count (u64), state count (u64), then the
// parameters and the state as float32. Loading a file of another architecture throws
// model_mismatch naming both hashes; a short or foreign file, one with bytes after the state, or one
// holding a NaN or infinite value, throws data_error naming the file (and the tensor). save() writes
// atomically (atomic_file.hpp).
#pragma once
#include <array>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "atomic_file.hpp"
#include "error.hpp"
#include "init.hpp"
#include "sequential.hpp"
#include "summary.hpp"

namespace cnnbench {

namespace detail {
/// std::allocator with a fixed alignment (for SIMD loads of parameter and activation buffers).
template <class T, std::size_t Align = 64>
struct aligned_allocator {
  using value_type = T;
  template <class U>
  struct rebind {
    using other = aligned_allocator<U, Align>;
  };
  aligned_allocator() = default;
  template <class U>
  constexpr aligned_allocator(const aligned_allocator<U, Align>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{Align})); }
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, std::align_val_t{Align}); }
  template <class U>
  friend bool operator==(const aligned_allocator&, const aligned_allocator<U, Align>&) noexcept {
    return true;
  }
};
template <class T>
using aligned_vector = std::vector<T, aligned_allocator<T>>;

inline std::string hex64(std::uint64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

/// One named tensor of a model, as a table entry computed at compile time.
struct tensor_entry {
  std::array<char, 160> name{};  // "conv_1.weight", "residual_1.main.conv_2.weight"
  tensor_spec spec;
  std::size_t layer = 0;   // leaf layer index
  std::size_t offset = 0;  // in the parameter (or state) buffer, scalars
  bool trainable = true;
  constexpr std::string_view name_view() const noexcept {
    std::size_t n = 0;
    while (n < name.size() && name[n] != '\0') ++n;
    return {name.data(), n};
  }
};

template <class Net, shape In>
constexpr std::size_t tensor_entry_count() {
  std::size_t n = 0;
  for_each_type(bound_layers_t<Net, In>{}, [&](auto, auto t) {
    using B = typename decltype(t)::type;
    n += B::params.size() + B::state.size();
  });
  return n;
}

template <class Net, shape In>
constexpr auto tensor_table() {
  std::array<tensor_entry, tensor_entry_count<Net, In>()> table{};
  constexpr auto rows = summary<Net, In>().rows;
  constexpr auto poff = param_offsets_v<Net, In>;
  constexpr auto soff = state_offsets_v<Net, In>;
  std::size_t k = 0;
  for_each_type(bound_layers_t<Net, In>{}, [&](auto index, auto t) {
    using B = typename decltype(t)::type;
    constexpr std::size_t i = decltype(index)::value;
    auto add = [&](const tensor_spec& spec, std::size_t offset, bool trainable) {
      auto& e = table[k++];
      std::size_t pos = 0;
      auto put = [&](char ch) {
        if (pos + 1 >= e.name.size()) throw "cnnbench: network: a tensor name is longer than 159 characters";
        e.name[pos++] = ch;
      };
      for (char ch : rows[i].name()) put(ch);
      put('.');
      for (char ch : spec.name) put(ch);
      e.spec = spec;
      e.layer = i;
      e.offset = offset;
      e.trainable = trainable;
    };
    std::size_t off = poff[i];
    for (const auto& spec : B::params) {
      add(spec, off, true);
      off += spec.size();
    }
    off = soff[i];
    for (const auto& spec : B::state) {
      add(spec, off, false);
      off += spec.size();
    }
  });
  return table;
}
}  // namespace detail

/// A view of one tensor of a network.
template <class T>
struct tensor_view {
  std::string_view name;          ///< "conv_1.weight"
  param_role role;                ///< weight, bias, gamma, beta, running_mean, running_var
  std::array<std::size_t, 4> dims;  ///< PyTorch order; the first `rank` entries are used
  std::size_t rank;
  std::size_t layer;              ///< leaf layer index
  bool trainable;                 ///< false for BatchNorm running statistics
  std::span<T> data;
};

/// network<Net, In>: the parameters (and BatchNorm state) of model Net for per-sample input shape In.
/// Copyable and movable value type; no back end is involved (see exec/ for running it).
template <class Net, shape In>
class network {
 public:
  using model_type = Net;
  using layers = bound_layers_t<Net, In>;  ///< type_list of bound<Layer, InputShape>
  static constexpr shape input_shape = In;
  static constexpr shape output_shape = output_shape_v<Net, In>;
  static constexpr std::size_t layer_count = layers::size;
  static constexpr std::size_t param_count = param_count_v<Net, In>;
  static constexpr std::size_t state_count = state_count_v<Net, In>;
  static constexpr auto param_offsets = param_offsets_v<Net, In>;  ///< per leaf layer, + total
  static constexpr auto state_offsets = state_offsets_v<Net, In>;
  static constexpr auto shapes = layer_shapes_v<Net, In>;  ///< [0] = In, [i + 1] = output of layer i
  static constexpr std::uint64_t architecture_hash = architecture_hash_v<Net, In>;
  static constexpr auto tensor_table = detail::tensor_table<Net, In>();
  static constexpr std::uint32_t file_format_version = 1;

  /// All parameters zero; BatchNorm running variance 1 (the `zeros` scheme).
  network() : params_(param_count), state_(state_count) { init(init_scheme::zeros, 0); }
  /// Initialised by `scheme` from `seed` (see init.hpp).
  network(init_scheme scheme, std::uint64_t seed) : params_(param_count), state_(state_count) { init(scheme, seed); }

  /// (Re)initialises every tensor: tensor j of layer i draws from rng(seed, 1000 * i + j).
  void init(init_scheme scheme, std::uint64_t seed) {
    std::size_t j = 0, last_layer = static_cast<std::size_t>(-1);
    for (const auto& e : tensor_table) {
      j = (e.layer == last_layer) ? j + 1 : 0;
      last_layer = e.layer;
      auto& buf = e.trainable ? params_ : state_;
      detail::init_tensor(std::span<float>(buf.data() + e.offset, e.spec.size()), e.spec, scheme,
                          rng(seed, 1000 * e.layer + j));
    }
  }

  /// The contiguous parameter buffer (param_count floats).
  std::span<float> params() noexcept { return params_; }
  std::span<const float> params() const noexcept { return params_; }
  /// The contiguous state buffer (state_count floats: BatchNorm running statistics).
  std::span<float> state() noexcept { return state_; }
  std::span<const float> state() const noexcept { return state_; }
  /// Parameters of leaf layer i.
  std::span<float> layer_params(std::size_t i) {
    check_layer(i);
    return std::span<float>(params_).subspan(param_offsets[i], param_offsets[i + 1] - param_offsets[i]);
  }
  std::span<const float> layer_params(std::size_t i) const {
    check_layer(i);
    return std::span<const float>(params_).subspan(param_offsets[i], param_offsets[i + 1] - param_offsets[i]);
  }

  /// Every tensor (parameters, then each layer's state after its parameters), in layer order.
  std::vector<tensor_view<float>> tensors() { return make_views<float>(*this); }
  std::vector<tensor_view<const float>> tensors() const { return make_views<const float>(*this); }
  /// One tensor by name ("conv_1.weight"); throws value_error listing the names if there is none.
  tensor_view<float> tensor(std::string_view name) { return find<float>(*this, name); }
  tensor_view<const float> tensor(std::string_view name) const { return find<const float>(*this, name); }

  /// Writes the parameters and state to `path` (format above), atomically (atomic_file.hpp: a temporary
  /// file renamed over `path`, so a failed or killed save leaves the previous file intact). Throws
  /// io_error naming `path` and the reason (unwritable folder, full disk).
  void save(const std::filesystem::path& path) const {
    atomic_file f(path);
    put_u64(f, magic());
    put_u32(f, file_format_version);
    put_u32(f, 0);
    put_u64(f, architecture_hash);
    put_u64(f, param_count);
    put_u64(f, state_count);
    f.write(params_.data(), params_.size() * sizeof(float));
    f.write(state_.data(), state_.size() * sizeof(float));
    f.commit();
  }
  /// Replaces the parameters and state by those in `path`. Throws io_error (cannot open),
  /// data_error (not a cnnbench file, other version, truncated, bytes after the state, a NaN or infinite
  /// value: the message names the tensor and the index), model_mismatch (other architecture). A failed
  /// load changes nothing.
  void load(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw io_error(path.string() + ": cannot open for reading");
    load(f, path.string());
  }

  /// The same from a stream (a file's content; `name` stands for the file in messages). Reads the
  /// 40-byte header, then exactly the parameter and state counts this model has (nothing is
  /// allocated from the file's counts), then checks with a one-byte read that nothing follows.
  void load(std::istream& f, const std::string& p) {
    std::uint64_t m = 0, hash = 0, np = 0, ns = 0;
    std::uint32_t version = 0, reserved = 0;
    if (!get_u64(f, m) || m != magic()) throw data_error(p + ": not a cnnbench weights file (bad magic at offset 0)");
    if (!get_u32(f, version) || version != file_format_version)
      throw data_error(p + ": format version " + std::to_string(version) + " at offset 8, expected " +
                       std::to_string(file_format_version));
    if (!get_u32(f, reserved) || !get_u64(f, hash) || !get_u64(f, np) || !get_u64(f, ns))
      throw data_error(p + ": truncated header (expected 40 bytes)");
    if (hash != architecture_hash)
      throw model_mismatch(p + ": weights are for another architecture: file has hash " + detail::hex64(hash) +
                           " (" + std::to_string(np) + " parameters), this model has hash " +
                           detail::hex64(architecture_hash) + " (" + std::to_string(param_count) + " parameters)");
    if (np != param_count || ns != state_count)
      throw data_error(p + ": parameter/state counts " + std::to_string(np) + "/" + std::to_string(ns) +
                       " at offset 24, expected " + std::to_string(param_count) + "/" + std::to_string(state_count));
    detail::aligned_vector<float> params(param_count), state(state_count);
    if (!read_floats(f, params) || !read_floats(f, state))
      throw data_error(p + ": truncated: expected " + std::to_string(40 + 4 * (param_count + state_count)) +
                       " bytes");
    char extra = 0;
    if (f.read(&extra, 1))
      throw data_error(p + ": unexpected bytes after the " + std::to_string(40 + 4 * (param_count + state_count)) +
                       " bytes of the weights (at offset " + std::to_string(40 + 4 * (param_count + state_count)) + ")");
    for (const auto& e : tensor_table) {
      const float* t = (e.trainable ? params : state).data() + e.offset;
      for (std::size_t i = 0; i < e.spec.size(); ++i)
        if (!std::isfinite(t[i]))
          throw data_error(p + ": tensor " + std::string(e.name_view()) + " holds " + (std::isnan(t[i]) ? "NaN" : "an infinite value") +
                           " at index " + std::to_string(i) + " (file offset " +
                           std::to_string(40 + 4 * ((e.trainable ? 0 : param_count) + e.offset + i)) +
                           "): refusing weights that are not finite");
    }
    params_ = std::move(params);
    state_ = std::move(state);
  }

  /// A network read from `path` (see load).
  static network from_file(const std::filesystem::path& path) {
    network n;
    n.load(path);
    return n;
  }

  friend bool operator==(const network& a, const network& b) { return a.params_ == b.params_ && a.state_ == b.state_; }

 private:
  static_assert(std::endian::native == std::endian::little, "cnnbench: weight files assume a little-endian host");
  static constexpr std::uint64_t magic() {
    std::uint64_t m = 0;
    const char tag[9] = "CNNBENCH";
    for (int i = 7; i >= 0; --i) m = (m << 8) | static_cast<unsigned char>(tag[i]);
    return m;
  }
  void check_layer(std::size_t i) const {
    if (i >= layer_count)
      throw value_error("layer index " + std::to_string(i) + " out of range (model has " +
                        std::to_string(layer_count) + " layers)");
  }
  template <class T, class Self>
  static std::vector<tensor_view<T>> make_views(Self& self) {
    std::vector<tensor_view<T>> v;
    v.reserve(tensor_table.size());
    for (const auto& e : tensor_table) {
      auto& buf = e.trainable ? self.params_ : self.state_;
      v.push_back({e.name_view(), e.spec.role, e.spec.dims, e.spec.rank, e.layer, e.trainable,
                   std::span<T>(buf.data() + e.offset, e.spec.size())});
    }
    return v;
  }
  template <class T, class Self>
  static tensor_view<T> find(Self& self, std::string_view name) {
    for (auto& t : make_views<T>(self))
      if (t.name == name) return t;
    std::string known;
    for (const auto& e : tensor_table) known += (known.empty() ? "" : ", ") + std::string(e.name_view());
    throw value_error("no tensor named '" + std::string(name) + "' (this model has: " + known + ")");
  }
  static void put_u32(atomic_file& o, std::uint32_t v) { o.write(&v, 4); }
  static void put_u64(atomic_file& o, std::uint64_t v) { o.write(&v, 8); }
  static bool get_u32(std::istream& i, std::uint32_t& v) { return static_cast<bool>(i.read(reinterpret_cast<char*>(&v), 4)); }
  static bool get_u64(std::istream& i, std::uint64_t& v) { return static_cast<bool>(i.read(reinterpret_cast<char*>(&v), 8)); }
  static bool read_floats(std::istream& i, detail::aligned_vector<float>& v) {
    return static_cast<bool>(i.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float))));
  }

  detail::aligned_vector<float> params_;
  detail::aligned_vector<float> state_;
};

}  // namespace cnnbench
