// The reports of a run (bench/report.hpp) on a tiny synthetic run_result: an output folder whose
// name has a single quote, a space and shell syntax gets every file, the plots are drawn there by
// gnuplot started without a shell (or, without gnuplot, the note says so), and nothing is created
// outside that folder; and the git commit is a run-time value (bench::set_git_commit).
#include <cnnbench/bench/checkpoint.hpp>
#include <cnnbench/bench/metrics.hpp>
#include <cnnbench/bench/report.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include "support/catch.hpp"

using namespace cnnbench;
namespace fs = std::filesystem;

namespace {

bench::run_result tiny_run() {
  bench::run_result r;
  r.proto.name = "tiny";
  r.proto.title = "A \"tiny\" synthetic run";
  r.proto.model = "s1";
  r.proto.epochs = 2;
  r.proto.trials = 2;
  r.env = bench::environment::capture();
  r.train_name = "synthetic train";
  r.test_name = "synthetic test";
  r.train_size = 64;
  r.test_size = 32;
  for (std::size_t t = 1; t <= 2; ++t) {
    bench::trial_record tr;
    tr.policy = "eigen_cpu";
    tr.policy_label = "cnnbench eigen_cpu (1 thread)";
    tr.arm = "Adam 1e-3";
    tr.trial = t;
    tr.seed = t;
    for (std::size_t e = 1; e <= 2; ++e) {
      bench::epoch_record er;
      er.epoch = e;
      er.train_loss = 1.0 / static_cast<double>(e + t);
      er.test_loss = 1.1 / static_cast<double>(e + t);
      er.test_accuracy = 0.5 + 0.1 * static_cast<double>(e) + 0.01 * static_cast<double>(t);
      er.train_seconds = 0.5;
      er.images = 64;
      tr.epochs.push_back(er);
    }
    r.trials.push_back(tr);
  }
  return r;
}

/// Every path under `root` (recursively), relative to it.
std::set<std::string> tree(const fs::path& root) {
  std::set<std::string> s;
  for (const auto& e : fs::recursive_directory_iterator(root)) s.insert(fs::relative(e.path(), root).string());
  return s;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::stringstream ss(path);
  for (std::string d; std::getline(ss, d, ':');)
    if (!d.empty() && ::access((fs::path(d) / program).c_str(), X_OK) == 0) return true;
  return false;
}

/// A fresh folder under the test work directory.
fs::path fresh(const std::string& name) {
  const fs::path d = fs::path(CNNBENCH_TEST_WORK_DIR) / "report" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

/// Makes `dir` the working directory for the scope, then goes back.
struct cwd_override {
  fs::path saved = fs::current_path();
  explicit cwd_override(const fs::path& dir) { fs::current_path(dir); }
  ~cwd_override() { fs::current_path(saved); }
};

/// Sets PATH for the scope, then restores it.
struct path_override {
  std::string saved;
  bool had = false;
  explicit path_override(const std::string& value) {
    if (const char* p = std::getenv("PATH")) {
      saved = p;
      had = true;
    }
    ::setenv("PATH", value.c_str(), 1);
  }
  ~path_override() {
    if (had)
      ::setenv("PATH", saved.c_str(), 1);
    else
      ::unsetenv("PATH");
  }
};

// With the old `std::system("cd '<dir>' && gnuplot ...")` this name ended the quoted folder, ran
// `touch injected` in the working directory, and gnuplot never saw the folder.
const std::string tricky = "it's a run'; touch injected; echo '";

}  // namespace

TEST_CASE("write_reports: an output folder with a quote and a space and shell syntax", "[report]") {
  const fs::path container = fresh("quote_and_space");
  const fs::path out = container / tricky, cwd = container / "cwd";
  fs::create_directories(cwd);
  bench::report_files files;
  {
    cwd_override in(cwd);  // an empty working directory: whatever lands there was misplaced
    files = bench::write_reports(tiny_run(), out);
  }

  for (const auto& f : {files.markdown, files.csv, files.json, files.plot_data, files.plot_script}) {
    INFO(f.string());
    REQUIRE(fs::is_regular_file(f));
    REQUIRE(f.parent_path() == out);
  }
  if (on_path("gnuplot")) {
    INFO("plot note: " << files.plot_note);
    REQUIRE(files.plot_note.empty());
    REQUIRE(fs::file_size(files.plot_png) > 0);
    REQUIRE(fs::file_size(files.plot_svg) > 0);
  } else {
    WARN("gnuplot is not on PATH: checking the note instead of the plots");
    REQUIRE(files.plot_note.find("gnuplot not found") == 0);
  }
  // Everything landed in the folder, nothing beside it or in the working directory.
  const auto made = tree(container);
  for (const auto& p : made) {
    INFO(p);
    REQUIRE((p.rfind(tricky, 0) == 0 || p == "cwd"));
    REQUIRE(fs::path(p).filename() != "injected");
  }
  REQUIRE(fs::is_empty(cwd));
}

TEST_CASE("write_reports: gnuplot not found is reported without a shell", "[report]") {
  const fs::path container = fresh("no_gnuplot");
  const fs::path empty_bin = container / "empty bin";
  fs::create_directories(empty_bin);
  const fs::path out = container / tricky;
  bench::report_files files;
  {
    path_override no_programs(empty_bin.string());
    files = bench::write_reports(tiny_run(), out);
  }
  INFO("plot note: " << files.plot_note);
  REQUIRE(files.plot_note.find("gnuplot not found") == 0);
  // The command shown is quoted for a shell: the folder name survives a copy and paste.
  REQUIRE(files.plot_note.find("cd " + bench::detail::shell_quoted(out.string()) + " && gnuplot learning_curves.gp") !=
          std::string::npos);
  REQUIRE(fs::is_regular_file(files.plot_script));
  REQUIRE(!fs::exists(files.plot_png));
  for (const auto& p : tree(container)) {
    INFO(p);
    REQUIRE((p.rfind(tricky, 0) == 0 || p == "empty bin"));
  }
}

TEST_CASE("report: the git commit is set at run time, not by a macro", "[report]") {
  REQUIRE(bench::current_git_commit() == "unknown");
  REQUIRE(bench::environment::capture().git_commit == "unknown");
  bench::set_git_commit("0123456789ab-dirty");
  auto r = tiny_run();
  REQUIRE(r.env.git_commit == "0123456789ab-dirty");
  REQUIRE(bench::markdown_report(r).find("(git 0123456789ab-dirty)") != std::string::npos);
  REQUIRE(bench::json_report(r)["environment"]["git_commit"] == "0123456789ab-dirty");
  bench::set_git_commit("unknown");
}

TEST_CASE("report: --profile tables pool the trials' profiles, name the policies without one, and round-trip in JSON",
          "[report][profile]") {
  auto r = tiny_run();
  REQUIRE(bench::markdown_report(r).find("Per-layer profile") == std::string::npos);  // not profiled: no section
  REQUIRE(!bench::json_report(r).contains("profiles"));
  r.profiled = true;
  for (std::size_t t = 0; t < 2; ++t) {  // trial 1: 10 steps, conv forward 0.2 s; trial 2: 10 steps, 0.4 s
    layer_profile p;
    p.threads = 1;
    p.rows = {{"conv_1", "Conv", 1'000'000, 0.2 * static_cast<double>(t + 1), 0.3, 0.0},
              {"dense_1", "Dense", 2'000, 0.01, 0.02, 0.03}};
    p.loss_seconds = 0.01;
    p.update_seconds = 0.02;
    p.step_seconds = 1.0;
    p.steps = 10;
    p.samples = 640;
    r.trials[t].profile = p;
  }
  bench::trial_record other = r.trials[0];
  other.policy = "libtorch";
  other.policy_label = "PyTorch via LibTorch";
  other.profile.reset();
  r.trials.push_back(other);

  const auto pooled = r.pooled_profile("eigen_cpu", "Adam 1e-3");
  REQUIRE(pooled);
  REQUIRE(pooled->steps == 20);
  REQUIRE(pooled->samples == 1280);
  REQUIRE(std::fabs(pooled->rows[0].forward_seconds - 0.6) < 1e-6);
  REQUIRE(std::fabs(pooled->ms_per_step(pooled->rows[0].forward_seconds) - 30.0) < 1e-6);   // (0.2 + 0.4) s / 20 steps
  REQUIRE(std::fabs(pooled->gflops(1'000'000, pooled->rows[0].forward_seconds) - 2.1333333) < 1e-6);  // 1e6 x 1280 / 0.6 s
  REQUIRE(std::fabs(pooled->share(pooled->rows[0].seconds()) - 0.6) < 1e-6);                // (0.6 + 0.6) s of 2 s
  REQUIRE(!r.pooled_profile("libtorch", "Adam 1e-3"));

  const auto md = bench::markdown_report(r);
  REQUIRE(md.find("## Per-layer profile (--profile)") != std::string::npos);
  // The first layer's backward-data has time here but no FLOPs (no runner computes dL/dinput): "-".
  REQUIRE(md.find("| conv_1 | Conv | 30.000 | 30.000 | 0.000 | 60.000 | 2.1 | - | - | 60.0% |") != std::string::npos);
  REQUIRE(md.find("| dense_1 | Dense | 1.000 | 2.000 | 3.000 | 6.000 |") != std::string::npos);
  REQUIRE(md.find("20 steps, 64 samples per step (mean), 1 thread.") != std::string::npos);
  REQUIRE(md.find("No per-layer profile for: PyTorch via LibTorch") != std::string::npos);

  const auto j = bench::json_report(r);
  REQUIRE(j.at("profiles").size() == 1);
  REQUIRE(j.at("profiles")[0].at("profile").at("steps") == 20);
  REQUIRE(j.at("trials")[0].contains("profile"));
  REQUIRE(!j.at("trials")[2].contains("profile"));

  const auto back = bench::record_from_json(bench::record_to_json(r.trials[1]));  // checkpoints and the MPI gather
  REQUIRE(back.profile);
  REQUIRE(back.profile->rows.size() == 2);
  REQUIRE(back.profile->rows[0].name == "conv_1");
  REQUIRE(back.profile->rows[0].forward_seconds == 0.4);
  REQUIRE(back.profile->rows[1].backward_weights_seconds == 0.03);
  REQUIRE(back.profile->steps == 10);
  REQUIRE(!bench::record_from_json(bench::record_to_json(other)).profile);
}
