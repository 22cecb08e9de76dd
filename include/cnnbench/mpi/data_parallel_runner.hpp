// cnnbench/mpi/data_parallel_runner.hpp: the runner of exec::data_parallel (exec/data_parallel.hpp
// documents the policy). Link cnnbench::mpi.
//
// data_parallel_runner<Net, In, Inner, Reducer> wraps the runner of the inner policy (e.g.
// eigen_cpu's) and a Reducer, which sums the inner runner's gradient buffer over the ranks in place:
//   template <class R> void reduce(R& inner, float scale)   inner's gradients *= scale (set to 0 when
//                                                            scale is 0), then summed over the ranks;
//                                                            collective; apply_gradients then reads them
//   static constexpr const char* name                        "MPI", "NCCL"
// host_reducer (below) is the MPI one for runners whose gradients live in host memory
// (gradient_buffer(): eigen_cpu); the NCCL one for exec::cudnn (device_gradient_buffer(), stream())
// is in exec/data_parallel_cudnn.hpp.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "../exec/runner.hpp"
#include "../loss.hpp"
#include "../optim.hpp"
#include "communicator.hpp"

namespace cnnbench::mpi {

/// [begin, end) of rank r's share of n samples among p ranks: contiguous, balanced (sizes differ by
/// at most one), rank order (the same split as eigen_cpu's threads).
inline std::pair<std::size_t, std::size_t> share(std::size_t n, int r, int p) noexcept {
  return {n * static_cast<std::size_t>(r) / static_cast<std::size_t>(p), n * static_cast<std::size_t>(r + 1) / static_cast<std::size_t>(p)};
}

/// Sums host gradients over the ranks of `comm` with ordered_sum (fixed order, same bits on every rank).
struct host_reducer {
  MPI_Comm comm = MPI_COMM_WORLD;
  static constexpr const char* name = "MPI";
  template <class R>
  void reduce(R& inner, float scale) const {
    const std::span<float> g = inner.gradient_buffer();
    if (scale == 0.0f) std::fill(g.begin(), g.end(), 0.0f);  // an empty share (not 0 * a stale NaN)
    else if (scale != 1.0f)
      for (float& v : g) v *= scale;
    ordered_sum(comm, g.data(), g.size());
  }
};

/// Every rank's value of v, by rank (collective over comm).
inline std::vector<double> allgather(MPI_Comm comm, double v, int size) {
  std::vector<double> all(static_cast<std::size_t>(size));
  check(MPI_Allgather(&v, 1, MPI_DOUBLE, all.data(), 1, MPI_DOUBLE, comm), "MPI_Allgather");
  return all;
}

template <class Net, shape In, class Inner, class Reducer>
class data_parallel_runner {
 public:
  using network_type = network<Net, In>;
  static constexpr std::size_t param_count = network_type::param_count;
  static constexpr std::size_t output_size = network_type::output_shape.size();

  /// Prepares the inner policy's runner in place (runners need not be movable) with `net`'s weights,
  /// which must be the same on every rank (the same init and seed, or a broadcast).
  template <class InnerPolicy>
  data_parallel_runner(const InnerPolicy& inner, const network_type& net, Reducer reducer, MPI_Comm comm)
      : inner_(prepare(inner, net)), reducer_(std::move(reducer)), comm_(comm) {
    check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  }

  int rank() const noexcept { return rank_; }
  int ranks() const noexcept { return size_; }
  Inner& inner() noexcept { return inner_; }

  void load_from(const network_type& net) { inner_.load_from(net); }
  /// The parameters (the same on every rank) and this rank's BatchNorm running statistics.
  void store_to(network_type& net) const { inner_.store_to(net); }
  decltype(auto) params() const { return inner_.params(); }
  std::uint64_t step() const noexcept { return inner_.step(); }
  void reserve(std::size_t n) {
    if constexpr (requires { inner_.reserve(n); }) {
      const auto [b0, b1] = share(n, rank_, size_);
      if (b1 > b0) inner_.reserve(b1 - b0);
    }
  }
  std::size_t peak_device_bytes() const {
    if constexpr (requires { inner_.peak_device_bytes(); }) return inner_.peak_device_bytes();
    else return 0;
  }

  /// Inference on the whole batch on this rank (no communication: every rank holds the same weights).
  std::span<const float> forward(std::span<const float> x, std::size_t n) { return inner_.forward(x, n); }

  /// Inference loss and accuracy: each rank scores its share, the sums are gathered (rank order).
  template <class Loss = loss::softmax_cross_entropy>
  batch_eval evaluate(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) {
    cnnbench::detail::check_batch<In>(x, n);
    const auto [b0, b1] = share(n, rank_, size_);
    batch_eval mine;
    if (b1 > b0) mine = inner_.template evaluate<Loss>(x.subspan(b0 * In.size(), (b1 - b0) * In.size()), y.subspan(b0, b1 - b0), b1 - b0);
    const auto losses = allgather(comm_, mine.loss_sum, size_);
    const auto correct = allgather(comm_, static_cast<double>(mine.correct), size_);
    batch_eval e;
    for (int r = 0; r < size_; ++r) {
      e.loss_sum += losses[static_cast<std::size_t>(r)];
      e.correct += static_cast<std::size_t>(correct[static_cast<std::size_t>(r)]);
    }
    e.count = n;
    return e;
  }

  /// Training-mode forward and backward of this rank's share of the global batch of n samples, then
  /// the gradient sum over the ranks: gradients() is dLoss/dparams of the mean loss over all n
  /// samples. Returns that mean loss (the same on every rank).
  template <class Loss = loss::softmax_cross_entropy>
  float compute_gradients(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n) {
    cnnbench::detail::check_batch<In>(x, n);
    cnnbench::detail::check_labels<Loss>(y, n, output_size);
    const auto [b0, b1] = share(n, rank_, size_);
    const std::size_t m = b1 - b0;
    double local = 0;
    // The inner runner's gradient is of its share's mean loss: (1/m) sum; the global mean needs
    // (1/n) sum, so each rank scales by m/n before the sum (exact when m/n is a power of two).
    if (m > 0)
      local = static_cast<double>(inner_.template compute_gradients<Loss>(x.subspan(b0 * In.size(), m * In.size()), y.subspan(b0, m), m)) *
              static_cast<double>(m);
    const auto t0 = std::chrono::steady_clock::now();
    reducer_.reduce(inner_, m > 0 ? static_cast<float>(static_cast<double>(m) / static_cast<double>(n)) : 0.0f);
    const auto losses = allgather(comm_, local, size_);
    comm_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ++reductions_;
    double total = 0;
    for (double l : losses) total += l;
    return static_cast<float>(total / static_cast<double>(n));
  }
  decltype(auto) gradients() const { return inner_.gradients(); }
  template <optimizer Opt>
  void apply_gradients(const Opt& opt) {
    inner_.apply_gradients(opt);
  }
  /// compute_gradients, then every rank applies the same update to the same summed gradients.
  template <class Loss = loss::softmax_cross_entropy, optimizer Opt>
  float train_step(std::span<const float> x, std::span<const std::int32_t> y, std::size_t n, const Opt& opt) {
    opt.check();
    const float loss = compute_gradients<Loss>(x, y, n);
    inner_.apply_gradients(opt);
    return loss;
  }

  /// Seconds spent in the gradient sum (and the loss gather) so far, and how many sums: the
  /// communication share of a step is communication_seconds() / reductions() over the step time.
  double communication_seconds() const noexcept { return comm_seconds_; }
  std::size_t reductions() const noexcept { return reductions_; }
  /// Bytes each rank contributes to one gradient sum (param_count float32).
  static constexpr std::size_t reduce_bytes() noexcept { return param_count * sizeof(float); }

 private:
  Inner inner_;
  Reducer reducer_;
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
  double comm_seconds_ = 0;
  std::size_t reductions_ = 0;
};

}  // namespace cnnbench::mpi
