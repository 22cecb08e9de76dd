// cnnbench/bench/options.hpp: the command line of a benchmark program (bench/program.hpp), parsed
// without running anything, so that it can be tested and fuzzed on its own.
//
//   program_options o;
//   CLI::App app{"..."};
//   add_program_options(app, o, F::protocols(), protocol_help, policy_ids, "out/fashion_mnist");
//   app.parse(argc, argv);                                     // CLI::ParseError on bad syntax
//   protocol p = apply_program_options(F::protocols(), o);     // value_error on a bad name
//
// add_program_options declares every option (--policy, --protocol, --epochs, --trials, --batch,
// --optimizer, --lr, --momentum, --init, --seed, --threads, --device, --data, --out, --resume,
// --save-weights, --train-samples, --per-class, --synthetic, --eval-train, --profile, --quiet, --list-policies)
// with CLI11's checks (--protocol and --optimizer must be known names; numbers must parse; --epochs,
// --trials and --batch are >= 1 when given; --threads >= 0). apply_program_options
// returns the protocol they select with their changes applied (0 / empty / negative: the protocol's),
// and a note that the command line changed it. Throws value_error for an unknown --init scheme or
// optimizer, or a --lr / --momentum that is not a finite number >= 0 (the CLI11 checks of
// add_program_options normally catch the names first).
#pragma once
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "../error.hpp"
#include "../init.hpp"
#include "protocol.hpp"

namespace cnnbench::bench {

/// The values of a program's command line (see add_program_options).
struct program_options {
  std::vector<std::string> policies;  ///< --policy (empty: every policy available)
  std::string protocol_name;          ///< --protocol (default: the first protocol's name)
  std::string optimizer, init;        ///< --optimizer, --init (empty: the protocol's)
  std::string out;                    ///< --out folder
  std::filesystem::path data;         ///< --data folder (the family's default is set by the caller)
  std::size_t epochs = 0, trials = 0, batch = 0, train_samples = 0;  ///< 0: the protocol's
  double lr = 0, momentum = -1;       ///< <= 0 / < 0: the optimizer's
  std::uint64_t seed = 0;             ///< 0: the protocol's
  int threads = 0, device = 0;
  bool quiet = false, list = false, eval_train = false;
  bool resume = false, save_weights = false;  ///< --resume, --save-weights (bench/checkpoint.hpp)
  bool profile = false;               ///< --profile: per-layer tables in the report (exec/profile.hpp)
  load_options lo;
};

/// Declares the options on `app`, writing into `o` when app.parse runs. `protocols` must not be
/// empty; `protocol_help` lists them for --help; `policy_ids` lists the policies for --help.
inline void add_program_options(CLI::App& app, program_options& o, const std::vector<protocol>& protocols,
                                const std::string& protocol_help, const std::string& policy_ids, std::string default_out) {
  if (protocols.empty()) throw value_error("add_program_options: no protocols");
  o.protocol_name = protocols.front().name;
  o.out = std::move(default_out);
  std::vector<std::string> ids;
  for (const auto& p : protocols) ids.push_back(p.name);
  app.add_option("--policy,-p", o.policies,
                 "Policies to compare (comma-separated; default: every one this build has that can run here): " + policy_ids)
      ->delimiter(',');
  app.add_option("--protocol", o.protocol_name, "Protocol: " + protocol_help)->check(CLI::IsMember(ids));
  const auto at_least_one = CLI::Range(std::size_t{1}, std::numeric_limits<std::size_t>::max());
  app.add_option("--epochs", o.epochs, "Epochs per trial, >= 1 (default: the protocol's)")->check(at_least_one);
  app.add_option("--trials", o.trials, "Trials, >= 1 (default: the protocol's)")->check(at_least_one);
  app.add_option("--batch", o.batch, "Mini-batch size, >= 1 (default: the protocol's)")->check(at_least_one);
  app.add_option("--optimizer", o.optimizer, "One of the optimizer presets (default: the protocol's arms)")
      ->check(CLI::IsMember(optimizer_names()));
  app.add_option("--lr", o.lr, "Learning rate (with --optimizer, or for every arm; default: the optimizer's)");
  app.add_option("--momentum", o.momentum, "Momentum for sgd (default 0.9) and rmsprop (default 0)");
  app.add_option("--init", o.init, "Initialisation scheme: glorot_uniform, he_uniform, torch_default, ... (default: the protocol's)");
  app.add_option("--seed", o.seed, "Seed of the first trial (trial t uses seed + t; default: the protocol's)");
  app.add_option("--threads", o.threads, "CPU threads (0: all cores; more than the cores is allowed, with a warning)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--device", o.device, "GPU index for the GPU policies");
  app.add_option("--data", o.data, "Folder with the data set");
  app.add_option("--out", o.out, "Folder for report.md, results.csv, results.json, the plots and checkpoint/ (not inside --data)");
  app.add_flag("--resume", o.resume,
               "Continue the run checkpointed in --out/checkpoint (same options; a finished run just rewrites the reports)");
  app.add_flag("--save-weights", o.save_weights, "Also write each job's final weights to --out/weights/ (network::save's format)");
  app.add_option("--train-samples", o.train_samples, "Train on the first N training images only (0: the protocol's)");
  app.add_option("--per-class", o.lo.per_class, "Image folders: at most N images per class (0: all)");
  app.add_flag("--synthetic", o.lo.synthetic, "Seeded random images of the published data set's full size (for timing)");
  app.add_flag("--eval-train", o.eval_train, "Also measure training-set accuracy after each epoch");
  app.add_flag("--profile", o.profile,
               "Per-layer profile of the training steps (forward, backward-data, backward-weights per layer) in the "
               "report and results.json, for the policies that have one (eigen_cpu); adds a barrier after every layer");
  app.add_flag("--quiet,-q", o.quiet, "No progress line");
  app.add_flag("--list-policies", o.list, "List the policies this program was built with and exit");
}

/// The protocol of `protocols` that `o` selects, with o's changes applied (see the header comment).
inline protocol apply_program_options(const std::vector<protocol>& protocols, const program_options& o) {
  if (protocols.empty()) throw value_error("apply_program_options: no protocols");
  if (!std::isfinite(o.lr)) throw value_error("--lr " + std::to_string(o.lr) + " is not a finite number");
  if (!std::isfinite(o.momentum)) throw value_error("--momentum " + std::to_string(o.momentum) + " is not a finite number");
  protocol proto = protocols.front();
  for (const auto& p : protocols)
    if (p.name == o.protocol_name) proto = p;
  if (o.epochs) proto.epochs = o.epochs;
  if (o.trials) proto.trials = o.trials;
  if (o.batch) proto.batch_size = o.batch;
  if (o.seed) proto.seed = o.seed;
  if (!o.init.empty()) {
    proto.init = parse_init_scheme(o.init);
    for (auto& a : proto.arms) a.init.reset();
  }
  if (!o.optimizer.empty()) {
    const auto opt = parse_optimizer(o.optimizer, o.lr, o.momentum);
    proto.arms = {{describe(opt), opt}};
  } else if (o.lr > 0) {
    for (auto& a : proto.arms) {
      std::visit([&](auto& opt) { opt.lr = o.lr; }, a.optimizer);
      a.label = describe(a.optimizer);
    }
  }
  if (o.train_samples) proto.train_samples = o.train_samples;
  proto.evaluate_train = proto.evaluate_train || o.eval_train;
  if (o.epochs || o.trials || o.batch || !o.optimizer.empty() || o.lr > 0 || o.train_samples || !o.init.empty() ||
      o.lo.synthetic || o.lo.per_class)
    proto.notes.insert(proto.notes.begin(), "Protocol '" + proto.name + "' with command-line changes.");
  return proto;
}

}  // namespace cnnbench::bench
