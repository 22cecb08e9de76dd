// cnnbench/mpi/trials.hpp: a protocol's trials spread over MPI ranks. Link cnnbench::mpi.
//
//   mpirun -np 4 build/release/examples/fashion_mnist --threads 1      (examples/register_mpi.cpp)
//   auto result = cnnbench::mpi::run_trials_over_ranks<Net, In>(proto, train, test, policies, options);
//
// The run's jobs (bench::trial_runner::plan(): one arm, trial and policy each, in report order) are
// dealt round-robin: job j runs on rank j mod size, each rank with its own threads (options.policy).
// A job depends only on the protocol, the data and (arm, trial, policy), so every record is the one a
// single process would make for the same seeds: same losses, accuracies and image counts, bit for
// bit; only the wall-clock fields (training time, images/s) and memory differ. Rank 0 gathers the
// records (serialised as JSON by bench/checkpoint.hpp's record_to_json / record_from_json, doubles exact),
// puts them in report order, and returns the run's result; the other ranks return std::nullopt and
// write nothing. The result's environment is rank 0's, with the MPI library and the ranks and hosts
// appended to its `extra` field ("Open MPI v4.1.4; 2 ranks on 1 host: ci (ranks 0, 1)").
// With one rank, or when the program was not started by mpirun (launched_by_mpirun()), it is exactly
// bench::run_trials and MPI is not initialised.
//
// Every rank must hold the same protocol, data and policy list (mpirun starts the same program with
// the same arguments: each rank reads the data itself). Progress lines: rank 0 only; each rank prints
// its own per-trial lines (options.on_trial).
//
// ERRORS. Errors found before any job runs (the protocol, the data shape) are the same on every
// rank and are thrown as by run_trials. A job that throws on one rank ends the whole job through
// session::fail ("<program>: rank r of n (host): <what>", MPI_Abort, exit code 1), so no rank waits
// for it. A rank killed outright is detected by mpirun, which ends the job and names the rank.
// Test hooks (tests/mpi checks that the run then fails with a message instead of hanging): the
// environment variable CNNBENCH_MPI_TEST_FAIL_RANK=r makes rank r fail after its first job: with
// CNNBENCH_MPI_TEST_FAIL_MODE=abort it calls std::abort() (a crash), otherwise it throws (an error).
#pragma once
#include <cerrno>  // program_invocation_short_name (glibc)
#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "../bench/checkpoint.hpp"
#include "../bench/distributed.hpp"
#include "../bench/progress.hpp"
#include "../bench/results.hpp"
#include "../bench/trials.hpp"
#include "communicator.hpp"

namespace cnnbench::mpi {

namespace detail {
inline std::string program_name() {
#if defined(__GLIBC__)
  return program_invocation_short_name;
#else
  return "cnnbench";
#endif
}
}  // namespace detail

/// A gathered record (bench::record_from_json of bench/checkpoint.hpp); throws data_error on a malformed one.
inline bench::trial_record gathered_record(const nlohmann::json& j) {
  try {
    return bench::record_from_json(j);
  } catch (const nlohmann::json::exception& e) {
    throw data_error(std::string("trial record: ") + e.what());
  }
}

/// Runs every job of the protocol over the ranks of MPI_COMM_WORLD (see the file comment). Collective:
/// every rank calls it with the same arguments. Returns the result on rank 0, std::nullopt elsewhere.
template <class Net, shape In>
std::optional<bench::run_result> run_trials_over_ranks(const bench::protocol& proto, const dataset& train, const dataset& test,
                                                       const std::vector<const bench::policy_entry<Net, In>*>& policies,
                                                       const bench::run_options& o) {
  if (!launched_by_mpirun()) return bench::run_trials<Net, In>(proto, train, test, policies, o);
  session& s = session::get();
  if (s.size() == 1) return bench::run_trials<Net, In>(proto, train, test, policies, o);
  const int rank = s.rank(), size = s.size();
  const bench::trial_runner<Net, In> runner(proto, train, test, policies, o);  // same checks, same throw, on every rank
  const auto jobs = runner.plan();
  std::vector<bench::trial_job> mine;
  for (const auto& j : jobs)
    if (j.index % static_cast<std::size_t>(size) == static_cast<std::size_t>(rank)) mine.push_back(j);

  int fail_rank = -1;
  if (const char* v = std::getenv("CNNBENCH_MPI_TEST_FAIL_RANK")) fail_rank = std::atoi(v);
  const char* fail_mode = std::getenv("CNNBENCH_MPI_TEST_FAIL_MODE");

  // This rank's jobs, each record as JSON with its job index.
  nlohmann::json records = nlohmann::json::array();
  try {
    bench::progress_line progress(o.quiet || rank != 0, runner.images_per_job() * mine.size());
    std::size_t done = 0;
    for (const auto& job : mine) {
      const auto rec = runner.run(job, &progress, done * runner.images_per_job());
      ++done;
      if (o.on_trial) {
        progress.clear();
        o.on_trial(rec);
      }
      auto j = bench::record_to_json(rec);
      j["job"] = job.index;
      records.push_back(std::move(j));
      if (rank == fail_rank) {  // test hooks (see the file comment)
        if (fail_mode && std::string(fail_mode) == "abort") std::abort();
        throw value_error("CNNBENCH_MPI_TEST_FAIL_RANK=" + std::to_string(rank) + ": this rank fails on purpose");
      }
    }
    progress.clear();
  } catch (const std::exception& e) {
    s.fail(detail::program_name(), e.what());
  }

  // Gather the serialised records on rank 0 (sizes first, then the bytes).
  const std::string mine_text = records.dump();
  const int my_len = static_cast<int>(mine_text.size());
  std::vector<int> lens(static_cast<std::size_t>(size), 0), offsets(static_cast<std::size_t>(size), 0);
  check(MPI_Gather(&my_len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather (record sizes)");
  std::string all;
  if (rank == 0) {
    std::size_t total = 0;
    for (int r = 0; r < size; ++r) {
      offsets[static_cast<std::size_t>(r)] = static_cast<int>(total);
      total += static_cast<std::size_t>(lens[static_cast<std::size_t>(r)]);
    }
    all.resize(total);
  }
  check(MPI_Gatherv(mine_text.data(), my_len, MPI_CHAR, all.data(), lens.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD),
        "MPI_Gatherv (records)");
  if (rank != 0) return std::nullopt;

  bench::run_result result = runner.result();
  result.env.extra += (result.env.extra.empty() ? "" : "; ") + s.library() + "; " + s.describe();
  std::vector<std::optional<bench::trial_record>> ordered(jobs.size());
  for (int r = 0; r < size; ++r) {
    const auto part = nlohmann::json::parse(all.substr(static_cast<std::size_t>(offsets[static_cast<std::size_t>(r)]),
                                                       static_cast<std::size_t>(lens[static_cast<std::size_t>(r)])));
    for (const auto& j : part) ordered.at(j.at("job").get<std::size_t>()) = gathered_record(j);
  }
  for (std::size_t i = 0; i < ordered.size(); ++i) {
    if (!ordered[i]) throw data_error("MPI run: no record of job " + std::to_string(i) + " came back");
    result.trials.push_back(std::move(*ordered[i]));
  }
  return result;
}

/// Installs run_trials_over_ranks as the benchmark programs' distributor (bench/distributed.hpp).
template <class Net, shape In>
bool install_trials_over_ranks() {
  return bench::trial_distribution<Net, In>::install(&run_trials_over_ranks<Net, In>);
}

}  // namespace cnnbench::mpi
