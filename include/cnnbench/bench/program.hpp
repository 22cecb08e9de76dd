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
  std::vector<std::string> policies;
  std::string protocol_name = all_protocols.front().name, optimizer, init, out = "out/" + program;
  std::filesystem::path data = F::default_data();
  std::size_t epochs = 0, trials = 0, batch = 0, train_samples = 0;
  double lr = 0, momentum = -1;
  std::uint64_t seed = 0;
  int threads = 0, device = 0;
  bool quiet = false, list = false, eval_train = false, resume = false, save_weights = false;
  load_options lo;
  std::vector<std::string> protocol_ids;
  for (const auto& p : all_protocols) protocol_ids.push_back(p.name);
  app.add_option("--policy,-p", policies,
                 "Policies to compare (comma-separated; default: every one this build has that can run here): " + registry::ids())
      ->delimiter(',');
  app.add_option("--protocol", protocol_name, "Protocol: " + detail::protocol_names<F>())->check(CLI::IsMember(protocol_ids));
  const auto at_least_one = CLI::Range(std::size_t{1}, std::numeric_limits<std::size_t>::max());
  app.add_option("--epochs", epochs, "Epochs per trial, >= 1 (default: the protocol's)")->check(at_least_one);
  app.add_option("--trials", trials, "Trials, >= 1 (default: the protocol's)")->check(at_least_one);
  app.add_option("--batch", batch, "Mini-batch size, >= 1 (default: the protocol's)")->check(at_least_one);
  app.add_option("--optimizer", optimizer, "One of the optimizer presets (default: the protocol's arms)")
      ->check(CLI::IsMember(optimizer_names()));
  app.add_option("--lr", lr, "Learning rate (with --optimizer, or for every arm; default: the optimizer's)");
  app.add_option("--momentum", momentum, "Momentum for sgd (default 0.9) and rmsprop (default 0)");
  app.add_option("--init", init, "Initialisation scheme: glorot_uniform, he_uniform, torch_default, ... (default: the protocol's)");
  app.add_option("--seed", seed, "Seed of the first trial (trial t uses seed + t; default: the protocol's)");
  app.add_option("--threads", threads, "CPU threads (0: all cores; more than the cores is allowed, with a warning)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--device", device, "GPU index for the GPU policies");
  app.add_option("--data", data, "Folder with the data set: " + std::string(F::data_help));
  app.add_option("--out", out, "Folder for report.md, results.csv, results.json, the plots and checkpoint/ (not inside --data)");
  app.add_flag("--resume", resume,
               "Continue the run checkpointed in --out/checkpoint (same options; a finished run just rewrites the reports)");
  app.add_flag("--save-weights", save_weights, "Also write each job's final weights to --out/weights/ (network::save's format)");
  app.add_option("--train-samples", train_samples, "Train on the first N training images only (0: the protocol's)");
  app.add_option("--per-class", lo.per_class, "Image folders: at most N images per class (0: all)");
  app.add_flag("--synthetic", lo.synthetic, "Seeded random images of the published data set's full size (for timing)");
  app.add_flag("--eval-train", eval_train, "Also measure training-set accuracy after each epoch");
  app.add_flag("--quiet,-q", quiet, "No progress line");
  app.add_flag("--list-policies", list, "List the policies this program was built with and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_bad_input;
  }
  const policy_options po{threads, 0, device};
  if (list) {
    for (const auto& e : registry::entries()) {
      const std::string why = e.unavailable(po);
      std::cout << e.id << "  " << e.label(po) << (why.empty() ? "" : "  (unavailable here: " + why + ")") << '\n';
    }
    return 0;
  }
  try {
    // Everything that can be checked before a long run is checked first.
    std::vector<const policy_entry<Net, In>*> chosen;
    if (policies.empty()) {
      for (const auto& e : registry::entries())
        if (e.unavailable(po).empty()) chosen.push_back(&e);
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
    protocol proto = all_protocols.front();
    for (const auto& p : all_protocols)
      if (p.name == protocol_name) proto = p;
    if (epochs) proto.epochs = epochs;
    if (trials) proto.trials = trials;
    if (batch) proto.batch_size = batch;
    if (seed) proto.seed = seed;
    if (!init.empty()) {
      proto.init = parse_init_scheme(init);
      for (auto& a : proto.arms) a.init.reset();
    }
    if (!optimizer.empty()) {
      const auto opt = parse_optimizer(optimizer, lr, momentum);
      proto.arms = {{describe(opt), opt}};
    } else if (lr > 0) {
      for (auto& a : proto.arms) {
        std::visit([&](auto& o) { o.lr = lr; }, a.optimizer);
        a.label = describe(a.optimizer);
      }
    }
    if (train_samples) proto.train_samples = train_samples;
    proto.evaluate_train = proto.evaluate_train || eval_train;
    if (epochs || trials || batch || !optimizer.empty() || lr > 0 || train_samples || !init.empty() || lo.synthetic ||
        lo.per_class)
      proto.notes.insert(proto.notes.begin(), "Protocol '" + proto.name + "' with command-line changes.");
    // --out inside the data folder is refused: reports and checkpoints must not mix with (or clobber) the data.
    if (!data.empty() && std::filesystem::is_directory(data)) {
      std::error_code ec;
      const auto d = std::filesystem::weakly_canonical(data, ec);
      const auto o = std::filesystem::weakly_canonical(std::filesystem::absolute(out), ec);
      const auto [end, _] = std::mismatch(d.begin(), d.end(), o.begin(), o.end());
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
    ro.quiet = quiet;
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
