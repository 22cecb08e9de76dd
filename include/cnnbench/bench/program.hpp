// cnnbench/bench/program.hpp: a whole benchmark program in one call: the command line, policy
// selection, protocol overrides, data loading, the trials, progress, reports and exit codes.
//
//   int main(int argc, char** argv) { return cnnbench::bench::run_program<cnnbench::bench::protocols::s1>(argc, argv); }
//
// A protocol family F (bench/protocols/s1.hpp ... s5.hpp) is a type with:
//   using model = <a models:: bundle>;                    model::net, model::input (models/published.hpp)
//   static constexpr std::string_view program, title;     "fashion_mnist", one line
//   static constexpr std::string_view source;             the write-up and its published table
//   static constexpr std::string_view data_help;          what --data must hold and where to get it
//   static std::filesystem::path default_data();          Debian's package folder, or "" (then --data is required)
//   static std::vector<protocol> protocols();             the named variants; the first is the default ("quick")
//   static data_split load(const std::filesystem::path& dir, const protocol&, const load_options&);
//                                                          throws io_error / data_error naming the file
// Exit codes: 0 done (diverged trials are reported, not fatal), 2 bad input (missing or corrupt data,
// unwritable --out, --out inside --data, unknown policy or option, zero epochs/trials/batch, a batch no
// complete batch fits, a loss that does not fit, a checkpoint of another run or an unfinished one
// without --resume), 1 anything unexpected. Warnings (the run goes on): more --threads than hardware
// threads, a batch larger than the training set.
// Every run checkpoints after each epoch into <--out>/checkpoint (bench/checkpoint.hpp); --resume
// continues it with bit-identical results.
// The default policy set is every policy the program was built with that can run on this machine,
// so the first run is a side-by-side comparison.
#pragma once
#include <CLI/CLI.hpp>

#include <algorithm>
#include <limits>
#include <thread>

#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../init.hpp"
#include "checkpoint.hpp"
#include "distributed.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "protocol.hpp"
#include "report.hpp"
#include "trainer.hpp"
#include "trials.hpp"

namespace cnnbench::bench {

/// The exit code for bad input.
inline constexpr int exit_bad_input = 2;

namespace detail {
/// Whether an MPI launcher (mpirun, srun with PMI/PMIx) started this process: the same test as
/// cnnbench::mpi::launched_by_mpirun, without naming MPI.
inline bool started_by_mpi_launcher() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}
template <class F>
std::string protocol_names() {
  std::string s;
  for (const auto& p : F::protocols()) s += (s.empty() ? "" : ", ") + p.name + " (" + p.title + ")";
  return s;
}
}  // namespace detail

/// The benchmark program of protocol family F (see above). Returns the process exit code.
template <class F>
int run_program(int argc, char** argv) {
  using Net = typename F::model::net;
  constexpr shape In = F::model::input;
  using registry = policy_registry<Net, In>;
  const std::string program(F::program);
  const auto all_protocols = F::protocols();

  CLI::App app{std::string(F::title) + "\n\nPublished source: " + std::string(F::source) + "\nData: " + std::string(F::data_help) +
               "\nProtocols: " + detail::protocol_names<F>()};
  program_options o;
  add_program_options(app, o, all_protocols, detail::protocol_names<F>(), registry::ids(), "out/" + program);
  o.data = F::default_data();
  app.get_option("--data")->description("Folder with the data set: " + std::string(F::data_help));
  const auto& policies = o.policies;
  const auto& out = o.out;
  const auto& data = o.data;
  const auto& lo = o.lo;
  const auto& threads = o.threads;  // references: the values arrive with app.parse below
  const auto& resume = o.resume;
  const auto& save_weights = o.save_weights;
  const auto& quiet = o.quiet;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_bad_input;
  }
  policy_options po;
  po.threads = o.threads;
  po.device = o.device;
  po.out_dir = o.out;
  po.profile = o.profile;
  if (o.list) {
    for (const auto& e : registry::entries()) {
      const std::string why = e.unavailable(po);
      std::cout << e.id << "  " << e.label(po) << (why.empty() ? "" : "  (unavailable here: " + why + ")")
                << (e.in_default_set ? "" : "  [runs only when named with --policy]") << '\n';
    }
    return 0;
  }
  try {
    // Everything that can be checked before a long run is checked first.
    std::vector<const policy_entry<Net, In>*> chosen;
    if (policies.empty()) {
      for (const auto& e : registry::entries())
        if (e.in_default_set && e.unavailable(po).empty()) chosen.push_back(&e);
    } else {
      for (const auto& id : policies) {
        const auto* e = registry::find(id);
        if (!e) {
          std::cerr << program << ": unknown policy '" << id << "'; this build has: " << registry::ids() << '\n';
          return exit_bad_input;
        }
        chosen.push_back(e);
      }
    }
    protocol proto = apply_program_options(all_protocols, o);
    // --out inside the data folder is refused: reports and checkpoints must not mix with (or clobber) the data.
    if (!data.empty() && std::filesystem::is_directory(data)) {
      std::error_code ec;
      const auto d = std::filesystem::weakly_canonical(data, ec);
      const auto op = std::filesystem::weakly_canonical(std::filesystem::absolute(out), ec);
      const auto [end, _] = std::mismatch(d.begin(), d.end(), op.begin(), op.end());
      if (!ec && end == d.end()) {
        std::cerr << program << ": --out " << out << " is inside the data folder " << data.string()
                  << ": choose an output folder outside the data\n";
        return exit_bad_input;
      }
    }
    if (const unsigned cores = std::thread::hardware_concurrency(); cores > 0 && threads > static_cast<int>(cores))
      std::cerr << program << ": warning: --threads " << threads << " is more than the " << cores
                << " hardware threads of this machine: threads will share cores (allowed; timings suffer)\n";
    check_writable(out);
    if (const auto cp_dir = std::filesystem::path(out) / "checkpoint"; !resume && run_checkpoint<Net, In>::holds_unfinished_run(cp_dir)) {
      std::cerr << program << ": " << (cp_dir / "checkpoint.json").string()
                << " holds an unfinished run: pass --resume to continue it, or remove " << cp_dir.string() << " to start again\n";
      return exit_bad_input;
    }
    if (data.empty() && !lo.synthetic) {
      std::cerr << program << ": no data folder: pass --data DIR, " << F::data_help << '\n';
      return exit_bad_input;
    }

    std::cerr << program << ": reading " << (lo.synthetic ? std::string("synthetic data") : data.string()) << '\n';
    data_split split = F::load(data, proto, lo);
    for (auto& n : split.notes) proto.notes.push_back(std::move(n));
    std::cerr << program << ": protocol " << proto.name << ": " << proto.trials << " trial(s) x " << proto.epochs
              << " epoch(s) x " << proto.arms.size() << " arm(s) x " << chosen.size() << " policy(ies), batch "
              << proto.batch_size
              << (proto.train_samples ? ", first " + std::to_string(proto.train_samples) + " training images" : "") << '\n';

    run_options ro;
    ro.policy = po;
    ro.quiet = o.quiet;
    ro.on_trial = [&](const trial_record& t) {
      std::cout << "trial " << t.trial << "/" << proto.trials << "  " << t.policy_label << "  " << t.arm << ": ";
      if (t.status == "ok")
        std::cout << "test accuracy " << detail::fixed(t.final_test_accuracy(), 4) << ", " << hms(t.train_seconds())
                  << " training, " << detail::thousands(t.images_per_second()) << " images/s\n";
      else
        std::cout << t.status << ": " << t.detail << '\n';
      std::cout.flush();
    };
    const std::size_t train_images = proto.train_samples ? std::min(proto.train_samples, split.train.size()) : split.train.size();
    if (proto.batch_size > train_images) {
      if (proto.drop_last) {
        std::cerr << program << ": batch size " << proto.batch_size << " is larger than the " << train_images
                  << " training images, and protocol " << proto.name
                  << " trains on complete batches only: no batch would be trained (lower --batch)\n";
        return exit_bad_input;
      }
      std::cerr << program << ": warning: batch size " << proto.batch_size << " is larger than the " << train_images
                << " training images: each epoch is one batch of " << train_images << "\n";
    }
    std::optional<run_result> ran;
    if (trial_distribution<Net, In>::distributor() && detail::started_by_mpi_launcher()) {
      // Over MPI ranks (bench/distributed.hpp, cnnbench::mpi): the jobs are spread over the ranks,
      // without checkpoints (not yet).
      if (resume || save_weights) {
        std::cerr << program << ": --resume and --save-weights are not available when the trials run over MPI ranks\n";
        return exit_bad_input;
      }
      ran = trial_distribution<Net, In>::run(proto, split.train, split.test, chosen, ro);
      if (!ran) return 0;  // another rank writes the reports
    } else {
      // In this process, checkpointed after every epoch (bench/checkpoint.hpp).
      const trial_runner<Net, In> runner(proto, split.train, split.test, chosen, ro);
      std::vector<std::string> ids, labels;
      for (const auto* e : chosen) {
        ids.push_back(e->id);
        labels.push_back(e->label(po));
      }
      run_checkpoint<Net, In> cp(std::filesystem::path(out) / "checkpoint",
                                 run_fingerprint<Net, In>(program, runner.result(), ids, labels, ro, split.train, split.test));
      if (resume && cp.load()) {
        std::cerr << program << ": resuming from " << cp.file().string() << ": " << cp.finished_jobs() << " of "
                  << runner.plan().size() << " job(s) finished" << (cp.finished() ? " (the run had finished: rewriting the reports)" : "")
                  << '\n';
      } else {
        if (resume) std::cerr << program << ": --resume: no checkpoint in " << cp.folder().string() << ", starting the run\n";
        cp.start();
      }
      ran = run_trials_resumable<Net, In>(runner, cp, quiet, ro.on_trial,
                                          save_weights ? std::filesystem::path(out) / "weights" : std::filesystem::path());
    }
    const run_result& result = *ran;
    const auto files = write_reports(result, out);

    std::cout << '\n' << markdown_table(result) << '\n';
    std::cout << "report:  " << files.markdown.string() << "\ncsv:     " << files.csv.string() << "\njson:    " << files.json.string()
              << "\nplots:   " << files.plot_png.string() << ", " << files.plot_svg.string() << '\n';
    if (!files.plot_note.empty()) std::cout << "         (" << files.plot_note << ")\n";
    std::size_t diverged = 0;
    for (const auto& t : result.trials) diverged += t.status == "diverged";
    if (diverged) std::cerr << program << ": " << diverged << " trial(s) diverged (NaN or infinite loss); see the reports\n";
    return 0;
  } catch (const io_error& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return exit_bad_input;
  } catch (const data_error& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return exit_bad_input;
  } catch (const value_error& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return exit_bad_input;
  } catch (const shape_error& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return exit_bad_input;
  } catch (const std::exception& e) {
    std::cerr << program << ": unexpected error: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace cnnbench::bench
