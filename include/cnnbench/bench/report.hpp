// cnnbench/bench/report.hpp: the reports of a run.
//
//   write_reports(result, "out/fashion_mnist")  ->  report.md, results.csv, results.json,
//                                                   learning_curves.{dat,gp,png,svg}
//
// report.md    the write-up's table (Platform | Optimizer | Acc (Mean) | Acc (Std) | Train Time (s) |
//              Trials), extended with images/s and peak memory, our rows first, then the write-up's
//              own rows in italics, labelled as published figures on their authors' hardware;
//              then the protocol, with --profile the per-layer profiles (markdown_profiles), the notes
//              on what the write-up left unstated, and the environment.
// results.csv  one row per policy, arm, trial and epoch, with every number.
// results.json everything: protocol, environment, data, every trial and epoch (and its "profile" with
//              --profile), the summary, the published table; with --profile, "profiles": per policy and
//              arm the profile pooled over the trials (profile_to_json: seconds summed over the steps).
// learning_curves.*  test accuracy and training loss per epoch (mean over trials) per policy and arm,
//              plotted with gnuplot (Debian gnuplot-nox) as PNG and SVG. Without gnuplot the data and
//              script are still written and `plot_note` says how to draw them. gnuplot is started
//              without a shell (posix_spawnp: found on PATH, argv passed as is, working directory the
//              output folder, stdout and stderr to gnuplot.log there), so any folder name is safe;
//              the script names its files relative to that folder, so the folder can be moved.
// Units in the files: seconds, bytes, fractions; the Markdown shows hh:mm:ss, MiB and 4 decimals.
// Every file is written atomically (atomic_file.hpp), the text files together (all replaced or none), and
// gnuplot draws into temporary files that are renamed when it succeeds: a full disk or a kill leaves the
// previous version of each file, never half of one.
// Throws io_error naming a file that cannot be written and why.
#pragma once
#include <fcntl.h>
#include <spawn.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../atomic_file.hpp"
#include "../error.hpp"
#include "../init.hpp"
#include "../detail/format.hpp"
#include "results.hpp"

namespace cnnbench::bench {

namespace detail {
inline std::string fixed(double v, int digits) {
  if (!std::isfinite(v)) return "-";
  std::ostringstream o;
  o << std::fixed << std::setprecision(digits) << v;
  return o.str();
}
using cnnbench::detail::thousands;  // 1234567.4 -> "1,234,567" (detail/format.hpp)
inline std::string mib(std::size_t bytes) { return bytes ? thousands(static_cast<double>(bytes) / (1024.0 * 1024.0)) + " MiB" : "-"; }
inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}
inline std::string num(double v) {
  if (!std::isfinite(v)) return "";
  std::ostringstream o;
  o << std::setprecision(9) << v;
  return o.str();
}
/// Writes a report file atomically (atomic_file.hpp): the previous version stays until the new one is complete.
inline void write_file(const std::filesystem::path& p, const std::string& text) { write_file_atomically(p, text); }
/// `s` quoted for a POSIX shell (for messages that show a command to copy).
inline std::string shell_quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// What run_program did.
struct program_status {
  bool started = false;    ///< false: the program could not be started (`error` says why)
  bool not_found = false;  ///< it could not be started because it is not on PATH
  int exit_code = -1;    ///< its exit status; -1 when it was killed by a signal
  std::string error;     ///< why it did not start (e.g. "not found on PATH")
};

/// Runs `args` (args[0] looked up on PATH; no shell, so no argument is interpreted) in the folder
/// `cwd`, stdin from /dev/null, stdout and stderr to the file `log` (truncated), and waits for it.
inline program_status run_program(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                                  const std::filesystem::path& log) {
  program_status st;
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string log_path = std::filesystem::absolute(log).string(), dir = cwd.string();
  posix_spawn_file_actions_t actions;
  if (int rc = posix_spawn_file_actions_init(&actions); rc != 0) {
    st.error = std::strerror(rc);
    return st;
  }
  int rc = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  if (rc == 0) rc = posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());  // glibc >= 2.29
  pid_t pid = -1;
  if (rc == 0) rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    st.not_found = rc == ENOENT;
    st.error = st.not_found ? "not found on PATH" : std::strerror(rc);
    return st;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      st.error = std::string("waitpid: ") + std::strerror(errno);
      return st;
    }
  st.started = true;
  st.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (st.exit_code == 127) {  // a C library that reports a failed exec as the child's exit status 127
    st.started = false;
    st.not_found = true;
    st.error = "not found on PATH";
  }
  return st;
}
}  // namespace detail

/// The results table in the write-up's format (Markdown).
inline std::string markdown_table(const run_result& r) {
  std::ostringstream o;
  o << "| Platform | Optimizer | Acc (Mean) | Acc (Std) | Train Time (s), per trial | Trials | Images/s | Peak memory |\n";
  o << "| --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& s : r.rows()) {
    std::string trials = std::to_string(s.trials - s.skipped);
    if (s.diverged) trials += " (" + std::to_string(s.diverged) + " diverged)";
    if (s.skipped) {
      o << "| " << s.policy_label << " | " << s.arm << " | skipped: " << s.skip_reason << " | | | | | |\n";
      continue;
    }
    std::string mem = "+" + (s.training_host_bytes ? detail::mib(s.training_host_bytes) : std::string("0 MiB")) +
                      " (process " + detail::mib(s.peak_host_bytes) + ")";
    if (s.peak_device_bytes) mem += ", " + detail::mib(s.peak_device_bytes) + " device";
    o << "| " << s.policy_label << ", this machine | " << s.arm << " | " << detail::fixed(s.accuracy.mean, 4) << " | "
      << detail::fixed(s.accuracy.std, 4) << " | " << (std::isfinite(s.train_seconds.mean) ? hms(s.train_seconds.mean) : "-")
      << " (" << detail::fixed(s.train_seconds.mean, 1) << ") | " << trials << " | "
      << detail::thousands(s.images_per_second.mean) << " | " << mem << " |\n";
  }
  for (const auto& p : r.proto.published)
    o << "| *" << p.platform << " (published; " << p.hardware << ")* | " << p.optimizer << " | *"
      << detail::fixed(p.accuracy_mean, 3) << "* | *" << detail::fixed(p.accuracy_std, 4) << "* | *"
      << (std::isfinite(p.train_seconds) ? hms(p.train_seconds) : std::string("-")) << "* | *" << p.trials << "* | "
      << (std::isfinite(p.images_per_second) ? "*" + detail::thousands(p.images_per_second) + "*" : std::string()) << " | |\n";
  if (const std::size_t counted = r.proto.counted_images_per_epoch)
    for (const auto& s : r.rows())
      if (!s.skipped && std::isfinite(s.train_seconds.mean) && s.train_seconds.mean > 0)
        o << "\n" << s.policy_label << ", " << s.arm << ": "
          << detail::thousands(static_cast<double>(counted * r.proto.epochs) / s.train_seconds.mean)
          << " images/s counted the write-up's way (" << detail::thousands(static_cast<double>(counted))
          << " images per epoch), beside the " << detail::thousands(s.images_per_second.mean) << " images/s trained.";
  if (r.proto.counted_images_per_epoch) o << "\n";
  return o.str();
}

/// Test images scored per evaluation (the last epoch of the first finished trial), as text.
inline std::string test_scored(const run_result& r) {
  for (const auto& t : r.trials)
    if (!t.epochs.empty() && t.epochs.back().test_images) return std::to_string(t.epochs.back().test_images);
  return "-";
}

/// A per-layer profile as JSON (seconds summed over the steps; exec/profile.hpp), and back.
inline nlohmann::json profile_to_json(const layer_profile& p) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : p.rows)
    rows.push_back({{"name", r.name}, {"type", r.type}, {"flops", r.flops}, {"forward_seconds", r.forward_seconds},
                    {"backward_data_seconds", r.backward_data_seconds}, {"backward_weights_seconds", r.backward_weights_seconds}});
  return {{"rows", rows}, {"loss_seconds", p.loss_seconds}, {"update_seconds", p.update_seconds},
          {"step_seconds", p.step_seconds}, {"steps", p.steps}, {"samples", p.samples}, {"threads", p.threads}};
}
/// The profile of profile_to_json. Throws nlohmann::json::exception for a malformed one.
inline layer_profile profile_from_json(const nlohmann::json& j) {
  layer_profile p;
  for (const auto& r : j.at("rows"))
    p.rows.push_back({r.at("name").get<std::string>(), r.at("type").get<std::string>(), r.at("flops").get<std::size_t>(),
                      r.at("forward_seconds").get<double>(), r.at("backward_data_seconds").get<double>(),
                      r.at("backward_weights_seconds").get<double>()});
  p.loss_seconds = j.at("loss_seconds").get<double>();
  p.update_seconds = j.at("update_seconds").get<double>();
  p.step_seconds = j.at("step_seconds").get<double>();
  p.steps = j.at("steps").get<std::uint64_t>();
  p.samples = j.at("samples").get<std::uint64_t>();
  p.threads = j.at("threads").get<int>();
  return p;
}

/// The per-layer profiles of a --profile run (exec/profile.hpp): one table per (arm, policy) that has
/// one, pooled over its trials (the mean per step over all their steps), and a line naming the policies
/// that have none. Empty when the run was not profiled.
inline std::string markdown_profiles(const run_result& r) {
  if (!r.profiled) return "";
  std::ostringstream o;
  o << "\n## Per-layer profile (--profile)\n\n"
       "Training steps only, mean per step over every step of the trials; layers are summary.hpp's rows (a Residual "
       "block is one row). fwd / bwd-data / bwd-weights: the team's wall time in the layer's forward, input-gradient and "
       "weight-gradient work (a layer whose kernel does not split its backward shows all of it as bwd-data); GFLOP/s "
       "count each pass as the layer's forward FLOPs. Profiling adds a barrier after every layer, so the steps run a "
       "little slower than unprofiled ones; the results are the same.\n";
  std::vector<std::string> without;
  for (const auto& row : r.rows()) {
    if (const auto p = r.pooled_profile(row.policy, row.arm)) {
      o << "\n### " << row.policy_label << ", " << row.arm << "\n\n" << profile_table(*p);
    } else if (std::find(without.begin(), without.end(), row.policy_label) == without.end()) {
      without.push_back(row.policy_label);
    }
  }
  if (!without.empty()) {
    o << "\nNo per-layer profile for: ";
    for (std::size_t i = 0; i < without.size(); ++i) o << (i ? ", " : "") << without[i];
    o << " (only eigen_cpu has one; a skipped or failed trial has none).\n";
  }
  return o.str();
}

/// The whole Markdown report.
inline std::string markdown_report(const run_result& r) {
  const auto& p = r.proto;
  std::ostringstream o;
  o << "# " << p.title << "\n\n";
  o << "Protocol `" << p.name << "`: model `" << p.model << "`, " << p.epochs << " epoch" << (p.epochs == 1 ? "" : "s") << " x "
    << p.trials << " trial" << (p.trials == 1 ? "" : "s") << ", batch " << p.batch_size << ", init " << to_string(p.init)
    << ", pixels " << to_string(p.norm) << ", " << (p.shuffle ? "sample-level shuffle each epoch" : "no shuffle")
    << (p.drop_last ? ", complete batches only" : "") << ", loss " << describe(p.loss) << ", seeds " << p.seed << ".."
    << p.seed + p.trials - 1 << ".\n";
  if (p.augment.active())
    o << "Training augmentation: " << (p.augment.hflip ? "random horizontal flip (p = 0.5)" : "")
      << (p.augment.hflip && p.augment.rotate_degrees > 0 ? ", " : "")
      << (p.augment.rotate_degrees > 0 ? "random rotation within +-" + detail::fixed(p.augment.rotate_degrees, 0) +
                                             " degrees (bilinear, zero fill)"
                                       : "")
      << ", drawn per (trial seed, epoch, image): the same for every policy.\n";
  for (const auto& a : p.arms)
    if (a.init || a.norm)
      o << "Arm '" << a.label << "': " << (a.init ? "init " + std::string(to_string(*a.init)) : std::string())
        << (a.init && a.norm ? ", " : "") << (a.norm ? "pixels " + std::string(to_string(*a.norm)) : std::string()) << ".\n";
  o << "Training data: " << r.train_name << " (" << r.train_size << " images); test data: " << r.test_name << " ("
    << r.test_size << " images)"
    << (p.eval == eval_rule::complete_batches
            ? "; the test set is scored on complete batches only, as the write-up did (" + test_scored(r) + " images scored)"
            : std::string())
    << ".\n\n";
  o << markdown_table(r) << "\n";
  o << "Accuracy: test accuracy after the last epoch, mean and sample standard deviation over the trials that did "
       "not diverge. Train time: the training loop only (evaluation excluded), mean per trial. Images/s: mean over "
       "trials. Peak memory: what a trial's training added to the process's resident set at its peak (model, "
       "buffers, optimizer state, runtime), and in brackets the process's whole peak (with the program, its "
       "libraries and the data), largest over the trials. Policies run one after another in one process: a later "
       "run may reuse memory the allocator kept from an earlier one, so compare memory from one policy per process "
       "(bench/compare_torch.py does) when it matters.\n";
  if (!p.published.empty())
    o << "Rows in italics are the write-up's own figures on its authors' hardware (" << p.published_source
      << "), not measured here.\n";
  o << markdown_profiles(r);
  if (!p.notes.empty()) {
    o << "\n## Notes\n\n";
    for (const auto& n : p.notes) o << "- " << n << "\n";
  }
  o << "\n## Environment\n\n";
  const auto& e = r.env;
  o << "- CPU: " << e.cpu << " (" << e.cores << " hardware threads)\n- OS: " << e.os << "\n- Compiler: " << e.compiler
    << "\n- cnnbench " << e.cnnbench_version << " (git " << e.git_commit << "), Eigen " << e.eigen_version << ", zlib "
    << e.zlib << (e.extra.empty() ? "" : ", " + e.extra) << "\n- Date: " << e.date << "\n";
  return o.str();
}

/// Every epoch of every trial, one CSV row each.
inline std::string csv_report(const run_result& r) {
  std::ostringstream o;
  o << "policy,policy_label,arm,trial,seed,status,epoch,train_loss,train_accuracy,test_loss,test_accuracy,train_seconds,"
       "images,images_per_second,peak_host_bytes,training_host_bytes,peak_device_bytes,detail\n";
  using detail::csv_field;
  using detail::num;
  for (const auto& t : r.trials) {
    const std::string head = csv_field(t.policy) + "," + csv_field(t.policy_label) + "," + csv_field(t.arm) + "," +
                             std::to_string(t.trial) + "," + std::to_string(t.seed) + "," + t.status + ",";
    const std::string tail = "," + std::to_string(t.peak_host_bytes) + "," + std::to_string(t.training_host_bytes()) + "," +
                             std::to_string(t.peak_device_bytes) + "," + csv_field(t.detail);
    if (t.epochs.empty()) o << head << ",,,,,,,," << tail << "\n";
    for (const auto& e : t.epochs)
      o << head << e.epoch << "," << num(e.train_loss) << "," << num(e.train_accuracy) << "," << num(e.test_loss) << ","
        << num(e.test_accuracy) << "," << num(e.train_seconds) << "," << e.images << "," << num(e.images_per_second()) << tail
        << "\n";
  }
  return o.str();
}

/// Everything, as JSON (non-finite numbers become null).
inline nlohmann::json json_report(const run_result& r) {
  using nlohmann::json;
  auto n = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  const auto& p = r.proto;
  json j;
  json arms = json::array();
  for (const auto& a : p.arms)
    arms.push_back({{"label", a.label},
                    {"optimizer", describe(a.optimizer)},
                    {"init", a.init ? json(std::string(to_string(*a.init))) : json(nullptr)},
                    {"normalization", a.norm ? json(std::string(to_string(*a.norm))) : json(nullptr)}});
  j["protocol"] = {{"name", p.name}, {"title", p.title}, {"model", p.model}, {"epochs", p.epochs}, {"trials", p.trials},
                   {"batch_size", p.batch_size}, {"seed", p.seed}, {"init", std::string(to_string(p.init))},
                   {"normalization", std::string(to_string(p.norm))}, {"shuffle", p.shuffle}, {"drop_last", p.drop_last},
                   {"train_samples", p.train_samples}, {"loss", describe(p.loss)},
                   {"augmentation", {{"hflip", p.augment.hflip}, {"rotate_degrees", p.augment.rotate_degrees}}},
                   {"evaluation", p.eval == eval_rule::complete_batches ? "complete batches" : "all samples"},
                   {"arms", arms}, {"notes", p.notes}};
  const auto& e = r.env;
  j["environment"] = {{"cpu", e.cpu}, {"hardware_threads", e.cores}, {"os", e.os}, {"compiler", e.compiler},
                      {"cnnbench", e.cnnbench_version}, {"git_commit", e.git_commit}, {"eigen", e.eigen_version},
                      {"zlib", e.zlib}, {"other", e.extra}, {"date", e.date}};
  j["data"] = {{"train", r.train_name}, {"train_images", r.train_size}, {"test", r.test_name}, {"test_images", r.test_size}};
  json trials = json::array();
  for (const auto& t : r.trials) {
    json epochs = json::array();
    for (const auto& ep : t.epochs)
      epochs.push_back({{"epoch", ep.epoch}, {"train_loss", n(ep.train_loss)}, {"train_accuracy", n(ep.train_accuracy)},
                        {"test_loss", n(ep.test_loss)}, {"test_accuracy", n(ep.test_accuracy)},
                        {"train_seconds", ep.train_seconds}, {"round_trip_seconds", n(ep.round_trip_seconds)}, {"test_images", ep.test_images}, {"images", ep.images}, {"images_per_second", ep.images_per_second()}});
    trials.push_back({{"policy", t.policy}, {"policy_label", t.policy_label}, {"arm", t.arm}, {"trial", t.trial},
                      {"seed", t.seed}, {"status", t.status}, {"detail", t.detail}, {"train_seconds", t.train_seconds()},
                      {"images_per_second", t.images_per_second()}, {"final_test_accuracy", n(t.final_test_accuracy())},
                      {"peak_host_bytes", t.peak_host_bytes}, {"baseline_host_bytes", t.baseline_host_bytes},
                      {"training_host_bytes", t.training_host_bytes()}, {"peak_host_per_run", t.peak_host_per_run},
                      {"peak_device_bytes", t.peak_device_bytes}, {"epochs", epochs}});
    if (t.profile) trials.back()["profile"] = profile_to_json(*t.profile);
  }
  j["trials"] = trials;
  if (r.profiled) {  // pooled over the trials of each (policy, arm), as in the report's tables
    json profiles = json::array();
    for (const auto& s : r.rows())
      if (const auto pp = r.pooled_profile(s.policy, s.arm))
        profiles.push_back({{"policy", s.policy}, {"arm", s.arm}, {"profile", profile_to_json(*pp)}});
    j["profiles"] = profiles;
  }
  json summary = json::array();
  for (const auto& s : r.rows())
    summary.push_back({{"policy", s.policy}, {"policy_label", s.policy_label}, {"arm", s.arm}, {"trials", s.trials},
                       {"diverged", s.diverged}, {"skipped", s.skipped}, {"skip_reason", s.skip_reason},
                       {"accuracy_mean", n(s.accuracy.mean)}, {"accuracy_std", n(s.accuracy.std)},
                       {"train_seconds_mean", n(s.train_seconds.mean)}, {"images_per_second_mean", n(s.images_per_second.mean)},
                       {"peak_host_bytes", s.peak_host_bytes}, {"training_host_bytes", s.training_host_bytes},
                       {"peak_device_bytes", s.peak_device_bytes}});
  j["summary"] = summary;
  json pub = json::array();
  for (const auto& row : p.published)
    pub.push_back({{"platform", row.platform}, {"optimizer", row.optimizer}, {"accuracy_mean", row.accuracy_mean},
                   {"accuracy_std", row.accuracy_std}, {"train_seconds", row.train_seconds}, {"trials", row.trials},
                   {"hardware", row.hardware}});
  j["published"] = {{"source", p.published_source}, {"rows", pub}};
  return j;
}

/// Files written by write_reports.
struct report_files {
  std::filesystem::path markdown, csv, json, plot_png, plot_svg, plot_data, plot_script;
  std::string plot_note;  ///< empty when the plots were drawn
};

/// Writes report.md, results.csv, results.json and the learning curves into `dir` (created).
inline report_files write_reports(const run_result& r, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw io_error(dir.string() + ": cannot create the output folder (" + ec.message() + ")");
  report_files f;
  f.markdown = dir / "report.md";
  f.csv = dir / "results.csv";
  f.json = dir / "results.json";
  f.plot_data = dir / "learning_curves.dat";
  f.plot_script = dir / "learning_curves.gp";
  f.plot_png = dir / "learning_curves.png";
  f.plot_svg = dir / "learning_curves.svg";

  // Learning curves: mean over the finished trials of each (policy, arm), per epoch.
  std::ostringstream dat;
  std::vector<std::string> titles;
  for (const auto& s : r.rows()) {
    if (s.skipped == s.trials) continue;
    dat << "# " << s.policy_label << " | " << s.arm << "\n# epoch test_accuracy train_loss\n";
    for (std::size_t e = 1; e <= r.proto.epochs; ++e) {
      double acc = 0, loss = 0;
      std::size_t k = 0;
      for (const auto& t : r.trials)
        if (t.policy == s.policy && t.arm == s.arm && t.status == "ok" && t.epochs.size() >= e) {
          acc += t.epochs[e - 1].test_accuracy;
          loss += t.epochs[e - 1].train_loss;
          ++k;
        }
      if (k) dat << e << " " << acc / static_cast<double>(k) << " " << loss / static_cast<double>(k) << "\n";
    }
    dat << "\n\n";
    std::string title = s.policy_label + " | " + s.arm;
    for (auto& c : title)
      if (c == '"') c = '\'';
    titles.push_back(title);
  }
  auto plots = [&](const char* column, int col) {
    std::string cmd = "plot ";
    for (std::size_t i = 0; i < titles.size(); ++i)
      cmd += (i ? ", " : "") + std::string("'learning_curves.dat' index ") + std::to_string(i) + " using 1:" +
             std::to_string(col) + " with linespoints title \"" + titles[i] + "\"";
    (void)column;
    return cmd + "\n";
  };
  std::string title = r.proto.title;
  for (auto& c : title)
    if (c == '"') c = '\'';
  auto script = [&](const std::string& png, const std::string& svg) {
    std::ostringstream gp;
    for (const auto& [term, file] : {std::pair{"pngcairo size 1200,480", png}, std::pair{"svg size 1200,480", svg}}) {
      gp << "set terminal " << term << " noenhanced\nset output '" << file << "'\nset multiplot layout 1,2 title \"" << title
         << " (mean over trials)\"\nset grid\nset key bottom right\nset xlabel 'epoch'\n"
         << (r.proto.epochs <= 20 ? "set xtics 1\n" : "") << "set ylabel 'test accuracy'\n"
         << plots("test_accuracy", 2) << "set key top right\nset ylabel 'training loss'\n" << plots("train_loss", 3)
         << "unset multiplot\nunset output\n";
    }
    return gp.str();
  };
  // The text files are replaced together: all of them, or (a full disk) none.
  write_files_atomically({{f.markdown, markdown_report(r)},
                          {f.csv, csv_report(r)},
                          {f.json, json_report(r).dump(1) + "\n"},
                          {f.plot_data, dat.str()},
                          {f.plot_script, script("learning_curves.png", "learning_curves.svg")}});
  if (titles.empty()) {
    f.plot_note = "no finished trial to plot";
  } else {
    // gnuplot draws into temporary files, renamed over the plots only when it succeeded, so a failed or
    // killed gnuplot leaves the previous plots.
    const std::string tmp = ".tmp-" + std::to_string(::getpid());
    const auto run_script = dir / (".learning_curves.gp" + tmp);
    detail::write_file(run_script, script("learning_curves.png" + tmp, "learning_curves.svg" + tmp));
    const auto log = dir / "gnuplot.log";
    const auto st = detail::run_program({"gnuplot", run_script.filename().string()}, dir, log);
    std::error_code ec;
    std::filesystem::remove(run_script, ec);
    const bool ok = st.started && st.exit_code == 0;
    for (const auto& plot : {f.plot_png, f.plot_svg}) {
      const auto drawn = dir / (plot.filename().string() + tmp);
      if (ok && std::filesystem::exists(drawn) && std::rename(drawn.c_str(), plot.c_str()) != 0)
        throw io_error(plot.string() + ": cannot replace the file (" + std::strerror(errno) + ")");
      std::filesystem::remove(drawn, ec);
    }
    if (st.not_found)
      f.plot_note = "gnuplot not found: install it (Debian gnuplot-nox) and run `cd " + detail::shell_quoted(dir.string()) +
                    " && gnuplot learning_curves.gp`";
    else if (!st.started)
      f.plot_note = "gnuplot could not be started (" + st.error + ")";
    else if (st.exit_code != 0)
      f.plot_note = "gnuplot failed: see " + log.string();
  }
  return f;
}

/// Checks that `dir` can be created and written, before a long run starts. Throws io_error.
inline void check_writable(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw io_error(dir.string() + ": cannot create the output folder" + (ec ? " (" + ec.message() + ")" : " (a file is in the way)"));
  const auto probe = dir / ".cnnbench-write-test";
  {
    std::ofstream f(probe);
    if (!(f << "ok") || !f.flush()) throw io_error(dir.string() + ": the output folder is not writable");
  }
  std::filesystem::remove(probe, ec);
}

}  // namespace cnnbench::bench
