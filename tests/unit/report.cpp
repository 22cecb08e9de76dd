// The reports of a run (bench/report.hpp) on a tiny synthetic run_result: an output folder whose
// name has a single quote, a space and shell syntax gets every file, the plots are drawn there by
// gnuplot started without a shell (or, without gnuplot, the note says so), and nothing is created
// outside that folder; and the git commit is a run-time value (bench::set_git_commit).
#include <cnnbench/bench/metrics.hpp>
#include <cnnbench/bench/report.hpp>

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
