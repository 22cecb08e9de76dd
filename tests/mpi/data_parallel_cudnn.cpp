// mpi.data_parallel_cudnn_*: exec::data_parallel over exec::cudnn (NCCL), label gpu. Each rank uses
// device (rank mod devices); NCCL refuses two ranks on one GPU, so ctest runs it on 1 rank, where the
// wrapper must give cudnn's own weights bit for bit after 20 steps of S1 (the NCCL sum over one rank
// and a pre-multiplication by 1 are exact), and both ranks' weights must agree when run on 2 GPUs.
// Prints "skipped: <reason>" and exits 0 without a CUDA device.
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/data/synthetic.hpp>
#include <cnnbench/exec/data_parallel_cudnn.hpp>
#include <cnnbench/models/published.hpp>

#include <cstdio>
#include <numeric>
#include <vector>

using namespace cnnbench;
using S1 = models::s1;
using net_t = network<S1::net, S1::input>;

int main() {
  auto& s = mpi::session::get();
  const int device = 0 + s.rank();
  if (const std::string why = exec::cudnn::unavailable_reason(device); !why.empty()) {
    if (s.rank() == 0) std::printf("skipped: %s\n", why.c_str());
    return 0;
  }
  const dataset d = synthetic_dataset(S1::input, 64 * 20, 10, 3);
  std::vector<host_batch> batches(20);
  for (std::size_t k = 0; k < batches.size(); ++k) {
    std::vector<std::size_t> idx(64);
    std::iota(idx.begin(), idx.end(), k * 64);
    batches[k].gather(d, idx);
  }
  const auto opt = optim::sgd{.lr = 0.05, .momentum = 0.9};
  auto train = [&](const auto& policy) {
    net_t net(init_scheme::he_uniform, 7);
    auto run = prepare(policy, net);
    for (const auto& hb : batches) run.train_step(hb.x, hb.y, hb.n, opt);
    run.store_to(net);
    return std::vector<float>(net.params().begin(), net.params().end());
  };
  const auto dp = train(exec::data_parallel{exec::cudnn{.device = device}});
  int failures = 0;
  if (s.size() == 1) {
    const auto alone = train(exec::cudnn{.device = device});
    if (dp != alone) {
      std::fprintf(stderr, "FAILED: data_parallel<cudnn> over one rank differs from cudnn\n");
      ++failures;
    }
  } else {
    std::vector<float> first(dp);
    mpi::check(MPI_Bcast(first.data(), static_cast<int>(first.size()), MPI_FLOAT, 0, MPI_COMM_WORLD), "MPI_Bcast");
    if (first != dp) {
      std::fprintf(stderr, "FAILED: rank %d's weights differ from rank 0's\n", s.rank());
      ++failures;
    }
  }
  if (s.rank() == 0 && failures == 0) std::printf("all data-parallel cudnn checks passed\n");
  return failures == 0 ? 0 : 1;
}
