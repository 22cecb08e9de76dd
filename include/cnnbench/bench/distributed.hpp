// cnnbench/bench/distributed.hpp: how a benchmark program runs its trials: in this process
// (run_trials), or through a distributor that another translation unit installed, e.g. the MPI one
// of cnnbench::mpi (mpi/trials.hpp, installed by examples/register_mpi.cpp), which spreads the jobs
// over ranks. This header names no MPI entity, so a program that does not link MPI is unchanged.
//
//   static const bool installed = cnnbench::bench::trial_distribution<Net, In>::install(&my_runner);
//   auto result = cnnbench::bench::trial_distribution<Net, In>::run(proto, train, test, policies, options);
//
// run() returns the run's result on the process that writes the reports, and std::nullopt on the
// others (a rank other than 0), which then write nothing. Throws what run_trials throws.
#pragma once
#include <optional>
#include <vector>

#include "../data/dataset.hpp"
#include "protocol.hpp"
#include "results.hpp"
#include "trainer.hpp"
#include "trials.hpp"

namespace cnnbench::bench {

template <class Net, shape In>
struct trial_distribution {
  /// A distributor: runs every job of the protocol, the result on the reporting process only.
  using run_fn = std::optional<run_result> (*)(const protocol&, const dataset&, const dataset&,
                                               const std::vector<const policy_entry<Net, In>*>&, const run_options&);
  /// The installed distributor, or nullptr (then run() is run_trials).
  static run_fn& distributor() {
    static run_fn f = nullptr;
    return f;
  }
  /// Installs `f` (from a static initialiser); returns true so it can initialise a constant.
  static bool install(run_fn f) {
    distributor() = f;
    return true;
  }
  /// Runs the protocol through the installed distributor, or in this process.
  static std::optional<run_result> run(const protocol& proto, const dataset& train, const dataset& test,
                                       const std::vector<const policy_entry<Net, In>*>& policies, const run_options& o) {
    if (const run_fn f = distributor()) return f(proto, train, test, policies, o);
    return run_trials<Net, In>(proto, train, test, policies, o);
  }
};

}  // namespace cnnbench::bench
