// Resumable runs (bench/checkpoint.hpp, trial_runner's hooks) and files that are never half-written
// (atomic_file.hpp): a job stopped after any epoch and continued from its checkpoint ends with the same
// weights, bit for bit, and the same records as a job that ran through (a model with Dropout and
// BatchNorm, so that the step counter, the masks and the running statistics must be restored too; SGD
// with momentum, Adam and RMSprop); the optimizer state survives its file; a checkpoint of another run
// is refused naming the difference; a write that fails (a file-size limit, in a child process: the
// kernel's EFBIG stands in for a full disk) or an unwritable folder is an io_error naming the file and
// leaves the previous file as it was; a weight file with NaN is refused naming the tensor.
#include <cnnbench/bench/checkpoint.hpp>
#include <cnnbench/data/synthetic.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "support/catch.hpp"

using namespace cnnbench;
namespace fs = std::filesystem;

namespace {

using Net = Sequential<Conv<4, 3>, BatchNorm<>, ReLU, MaxPool<2>, Flatten, Dropout<0.25>, Dense<16>, ReLU, Dense<3>>;
constexpr shape In{1, 10, 10};

fs::path work(const std::string& name) {
  const fs::path d = fs::path(CNNBENCH_TEST_WORK_DIR) / "checkpoint";
  fs::create_directories(d);
  return d / name;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

bench::protocol small_protocol(const bench::optimizer_config& opt) {
  bench::protocol p;
  p.name = "tiny";
  p.title = "checkpoint test";
  p.model = "tiny";
  p.epochs = 4;
  p.trials = 1;
  p.batch_size = 16;
  p.seed = 5;
  p.init = init_scheme::he_uniform;
  p.arms = {{bench::describe(opt), opt}};
  return p;
}

// Records equal in everything but the wall-clock fields and the memory.
void require_same_records(const bench::trial_record& a, const bench::trial_record& b) {
  REQUIRE(a.status == b.status);
  REQUIRE(a.epochs.size() == b.epochs.size());
  for (std::size_t e = 0; e < a.epochs.size(); ++e) {
    CAPTURE(e);
    REQUIRE(a.epochs[e].epoch == b.epochs[e].epoch);
    REQUIRE(a.epochs[e].train_loss == b.epochs[e].train_loss);
    REQUIRE(a.epochs[e].test_loss == b.epochs[e].test_loss);
    REQUIRE(a.epochs[e].test_accuracy == b.epochs[e].test_accuracy);
    REQUIRE(a.epochs[e].images == b.epochs[e].images);
  }
}

// Runs `body` in a child process with file writes limited to `limit` bytes (SIGXFSZ ignored, so an
// oversized write fails with EFBIG); returns the child's exit code.
template <class F>
int in_child_with_file_limit(rlim_t limit, F&& body) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit r{limit, limit};
    if (setrlimit(RLIMIT_FSIZE, &r) != 0) _exit(90);
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

std::vector<fs::path> temporaries(const fs::path& dir) {
  std::vector<fs::path> t;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) t.push_back(e.path());
  return t;
}

}  // namespace

TEST_CASE("a job continued from its checkpoint after any epoch ends bit-identical to one that ran through", "[checkpoint][resume]") {
  const auto train = synthetic_dataset(In, 100, 3, 7);
  const auto test = synthetic_dataset(In, 40, 3, 8);
  for (const bench::optimizer_config& opt : {bench::optimizer_config(optim::sgd{.lr = 0.05, .momentum = 0.9}), bench::optimizer_config(optim::adam::pytorch(1e-3)),
                                      bench::optimizer_config(optim::rmsprop::pytorch(1e-3))}) {
    CAPTURE(bench::describe(opt));
    const auto proto = small_protocol(opt);
    const std::vector<const bench::policy_entry<Net, In>*> policies{bench::policy_registry<Net, In>::find("eigen_cpu")};
    bench::run_options o;
    o.policy.threads = 2;
    o.quiet = true;
    const bench::trial_runner<Net, In> runner(proto, train, test, policies, o);
    const auto job = runner.plan().at(0);

    // Through, keeping the state after every epoch and the final weights.
    std::vector<bench::job_state<Net, In>> states;
    network<Net, In> through;
    bench::job_hooks<Net, In> hooks;
    hooks.after_epoch = [&](const bench::job_state<Net, In>& s) { states.push_back(s); };
    hooks.final_weights = [&](const network<Net, In>& n) { through = n; };
    const auto full = runner.run(job, nullptr, 0, hooks);
    REQUIRE(full.status == "ok");
    REQUIRE(states.size() == proto.epochs - 1);
    REQUIRE(states[0].optimizer.has_value());
    REQUIRE(states[0].optimizer->step == 7);  // 100 samples in batches of 16: 7 steps per epoch
    REQUIRE(states[0].optimizer->buffers.size() == std::visit([](const auto& x) { return x.state_buffers; }, opt));

    for (const auto& st : states) {
      CAPTURE(st.epochs_done);
      network<Net, In> resumed;
      bench::job_hooks<Net, In> h;
      h.resume = &st;
      h.final_weights = [&](const network<Net, In>& n) { resumed = n; };
      const auto rec = runner.run(job, nullptr, 0, h);
      require_same_records(rec, full);
      REQUIRE(resumed == through);  // bit for bit, BatchNorm statistics included
    }
    // A state without optimizer state (a policy that cannot export it) restarts the job: same result.
    auto no_opt = states[1];
    no_opt.optimizer.reset();
    network<Net, In> restarted;
    bench::job_hooks<Net, In> h;
    h.resume = &no_opt;
    h.final_weights = [&](const network<Net, In>& n) { restarted = n; };
    require_same_records(runner.run(job, nullptr, 0, h), full);
    REQUIRE(restarted == through);
  }
}

TEST_CASE("the checkpoint folder keeps records and job states exactly, and refuses another run's", "[checkpoint][files]") {
  const auto dir = work("cp");
  fs::remove_all(dir);
  const nlohmann::json fp = {{"program", "test"}, {"protocol", {{"epochs", 3}, {"seed", 1}}}};
  bench::run_checkpoint<Net, In> cp(dir, fp);
  REQUIRE_FALSE(cp.load());
  cp.start();
  bench::trial_record r;
  r.policy = "eigen_cpu";
  r.policy_label = "cnnbench eigen_cpu (2 threads)";
  r.arm = "SGD";
  r.trial = 1;
  r.seed = 3;
  r.epochs.resize(2);
  r.epochs[0].epoch = 1;
  r.epochs[0].train_loss = 0.1 + 0.2;  // not a short decimal: must round-trip exactly
  r.epochs[0].test_accuracy = 1.0 / 3.0;
  r.epochs[1].epoch = 2;               // NaN fields stay NaN
  r.status = "diverged";
  r.detail = "loss nan at epoch 2, batch 1 of 7";
  cp.save_record(0, r);
  bench::job_state<Net, In> st;
  st.epochs_done = 1;
  st.epochs = {r.epochs[0]};
  st.net = network<Net, In>(init_scheme::glorot_uniform, 4);
  st.optimizer = optimizer_state{};
  st.optimizer->optimizer = "adam";
  st.optimizer->step = 9;
  st.optimizer->buffers = {std::vector<float>(network<Net, In>::param_count, 0.5f), std::vector<float>(network<Net, In>::param_count, -1e-30f)};
  st.optimizer->opaque = std::string("opaque\0bytes", 12);
  cp.save_state(1, st);
  st.epochs_done = 2;
  st.epochs.push_back(r.epochs[0]);
  cp.save_state(1, st);  // the epoch-1 files are replaced
  REQUIRE_FALSE(fs::exists(dir / "job-1-epoch-1.weights"));
  REQUIRE(fs::exists(dir / "job-1-epoch-2.weights"));
  REQUIRE(temporaries(dir).empty());

  bench::run_checkpoint<Net, In> back(dir, fp);
  REQUIRE(back.load());
  REQUIRE_FALSE(back.finished());
  REQUIRE(back.record(0) != nullptr);
  REQUIRE(back.record(0)->epochs[0].train_loss == 0.1 + 0.2);
  REQUIRE(back.record(0)->epochs[0].test_accuracy == 1.0 / 3.0);
  REQUIRE(std::isnan(back.record(0)->epochs[1].train_loss));
  REQUIRE(back.record(0)->detail == r.detail);
  REQUIRE(back.record(1) == nullptr);
  const auto* run = back.running(1);
  REQUIRE(run != nullptr);
  REQUIRE(run->epochs_done == 2);
  REQUIRE(run->net == st.net);
  REQUIRE(run->optimizer->optimizer == "adam");
  REQUIRE(run->optimizer->step == 9);
  REQUIRE(run->optimizer->buffers == st.optimizer->buffers);
  REQUIRE(run->optimizer->opaque == st.optimizer->opaque);

  // Another run's options: refused, naming the field and both values.
  nlohmann::json other = fp;
  other["protocol"]["epochs"] = 4;
  bench::run_checkpoint<Net, In> wrong(dir, other);
  REQUIRE_THROWS_WITH(wrong.load(), Catch::Matchers::Contains("/protocol/epochs is 3 in the checkpoint, 4 now") &&
                                        Catch::Matchers::Contains((dir / "checkpoint.json").string()));
  // A truncated state file: data_error naming it.
  fs::resize_file(dir / "job-1-epoch-2.optimizer", fs::file_size(dir / "job-1-epoch-2.optimizer") - 5);
  REQUIRE_THROWS_WITH(back.load(), Catch::Matchers::Contains("job-1-epoch-2.optimizer") && Catch::Matchers::Contains("truncated"));
  fs::resize_file(dir / "job-1-epoch-2.weights", 100);
  REQUIRE_THROWS_WITH(back.load(), Catch::Matchers::Contains("job-1-epoch-2.weights") && Catch::Matchers::Contains("truncated"));
  REQUIRE(bench::run_checkpoint<Net, In>::holds_unfinished_run(dir));
  cp.save_finished();
  REQUIRE_FALSE(bench::run_checkpoint<Net, In>::holds_unfinished_run(dir));
}

TEST_CASE("a failed write names the file and leaves the previous one untouched", "[checkpoint][files][atomic]") {
  const auto dir = work("atomic");
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto weights = dir / "net.weights";
  const network<Net, In> good(init_scheme::he_uniform, 1);
  good.save(weights);
  const std::string before = slurp(weights);
  REQUIRE(before.size() > 2000);

  // A file-size limit below the file's size (EFBIG, as a full disk gives ENOSPC): io_error naming it.
  const int rc = in_child_with_file_limit(1000, [&] {
    try {
      network<Net, In>(init_scheme::he_uniform, 2).save(weights);
      return 1;  // must not succeed
    } catch (const io_error& e) {
      const std::string what = e.what();
      return what.find(weights.string()) != std::string::npos && what.find("File too large") != std::string::npos ? 0 : 2;
    }
  });
  REQUIRE(rc == 0);
  REQUIRE(slurp(weights) == before);
  REQUIRE(temporaries(dir).empty());

  // The same for a report.
  const auto report = dir / "results.json";
  write_file_atomically(report, "{\"old\": true}\n");
  REQUIRE(in_child_with_file_limit(8, [&] {
            try {
              write_file_atomically(report, std::string(100, 'x'));
              return 1;
            } catch (const io_error& e) {
              return std::string(e.what()).find(report.string()) != std::string::npos ? 0 : 2;
            }
          }) == 0);
  REQUIRE(slurp(report) == "{\"old\": true}\n");
  REQUIRE(temporaries(dir).empty());

  // An unwritable folder: a path through a regular file, and (when we can drop privileges or are not
  // root) a folder without write permission.
  REQUIRE_THROWS_WITH(good.save(weights / "x.weights"), Catch::Matchers::Contains((weights / "x.weights").string()));
  const auto locked = dir / "locked";
  fs::create_directories(locked);
  write_file_atomically(locked / "report.md", "previous\n");
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  const pid_t pid = fork();
  if (pid == 0) {
    if (geteuid() == 0 && setuid(65534) != 0) _exit(3);  // root writes anywhere: become "nobody"
    try {
      write_file_atomically(locked / "report.md", "new\n");
      _exit(1);
    } catch (const io_error& e) {
      _exit(std::string(e.what()).find((locked / "report.md").string()) != std::string::npos ? 0 : 2);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  fs::permissions(locked, fs::perms::owner_all);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(slurp(locked / "report.md") == "previous\n");
}

TEST_CASE("weight files with NaN, of another architecture or truncated are refused naming the problem", "[checkpoint][files][faults]") {
  network<Net, In> net(init_scheme::he_uniform, 1);
  const auto path = work("nan.weights");
  net.tensor("dense_1.bias").data[3] = std::nanf("");
  net.save(path);
  network<Net, In> back;
  REQUIRE_THROWS_AS(back.load(path), data_error);
  REQUIRE_THROWS_WITH(back.load(path), Catch::Matchers::Contains(path.string()) &&
                                           Catch::Matchers::Contains("tensor dense_1.bias holds NaN at index 3"));
  REQUIRE(back == network<Net, In>());  // unchanged
  net.tensor("dense_1.bias").data[3] = 0;
  net.tensor("batch_norm_1.running_var").data[0] = INFINITY;
  net.save(path);
  REQUIRE_THROWS_WITH(back.load(path), Catch::Matchers::Contains("tensor batch_norm_1.running_var holds an infinite value at index 0"));

  using Other = Sequential<Flatten, Dense<3>>;
  network<Other, In> other(init_scheme::he_uniform, 1);
  other.save(work("other.weights"));
  REQUIRE_THROWS_AS(back.load(work("other.weights")), model_mismatch);
  net.tensor("batch_norm_1.running_var").data[0] = 1;
  net.save(path);
  fs::resize_file(path, fs::file_size(path) - 4);
  REQUIRE_THROWS_WITH(back.load(path), Catch::Matchers::Contains(path.string()) && Catch::Matchers::Contains("truncated"));
}
