// The external-process policy's failure paths (frameworks/external.hpp), with the system Python and
// hand-written stand-ins for codegen.py: a refused optimizer, a framework that dies in the middle of
// training, one that never answers, one that cannot start. Each is an error naming the framework and
// quoting its stderr, never a hang or a crash.
#include <cnnbench/cnnbench.hpp>
#include <cnnbench/frameworks/external.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/catch.hpp"

namespace {
using namespace cnnbench;
namespace fs = std::filesystem;
using Net = Sequential<Flatten, Dense<3>>;
constexpr shape In{1, 2, 2};

/// A code folder with the real serve.py and a codegen.py that writes `module` (or exits with `rc`).
fs::path fake_code_dir(const std::string& name, const std::string& module, int rc = 0) {
  const fs::path dir = fs::path(CNNBENCH_TEST_WORK_DIR) / "frameworks_fake" / name;
  fs::create_directories(dir);
  fs::copy_file(fs::path(CNNBENCH_TEST_SOURCE_DIR) / "bench/frameworks/serve.py", dir / "serve.py",
                fs::copy_options::overwrite_existing);
  std::ofstream(dir / "module.py") << module;
  std::ofstream(dir / "codegen.py") << "import shutil, sys, os\n"
                                       "if " << rc << ":\n"
                                       "    print('codegen: fake cannot run this: no such optimizer here', file=sys.stderr)\n"
                                       "    sys.exit(" << rc << ")\n"
                                       "shutil.copy(os.path.join(os.path.dirname(__file__), 'module.py'), sys.argv[sys.argv.index('-o') + 1])\n";
  return dir;
}

const std::string good_module =
    "import numpy as np, os, sys\n"
    "FRAMEWORK = 'fake'\nVERSION = 'fake 1'\n"
    "def set_threads(n): pass\n"
    "def build(): return {}\n"
    "def load_weights(model, w): model.update(w)\n"
    "def get_weights(model): return model\n"
    "def param_count(model): return 15\n"
    "class T:\n"
    "    def __init__(self): self.n = 0\n"
    "    def step(self, x, y):\n"
    "        self.n += 1\n"
    "        if self.n == 3:\n"
    "            print('fake: out of memory at step 3', file=sys.stderr); sys.stderr.flush(); os._exit(7)\n"
    "        if self.n == 2 and os.environ.get('FAKE_HANG'): import time; time.sleep(60)\n"
    "        return float(x.sum())\n"
    "    def evaluate(self, x, y): return 0.0, 0\n"
    "def make_trainer(model): return T()\n";

frameworks::external_options options(const std::string& name, const fs::path& code) {
  return {.framework = "fake",
          .python = CNNBENCH_TEST_PYTHON,
          .code_dir = code,
          .work_dir = fs::path(CNNBENCH_TEST_WORK_DIR) / "frameworks_fake" / (name + "_work"),
          .threads = 1,
          .start_timeout_s = 60,
          .call_timeout_s = 3};
}
}  // namespace

TEST_CASE("external: batches reach the framework and a framework that dies is an error quoting its stderr") {
  const network<Net, In> net(init_scheme::glorot_uniform, 1);
  frameworks::external_trainer<Net, In> t(options("dies", fake_code_dir("dies", good_module)), net, loss::softmax_cross_entropy{});
  const std::vector<float> x = {1, 2, 3, 4, 0.5f, 0.25f, 0, 0};
  const std::vector<std::int32_t> y = {0, 1};
  CHECK(t.train_step(x, y, 2, optim::sgd{}) == 10.75f);  // the module returns the batch's sum: the bytes arrived
  CHECK(t.train_step(x, y, 1, optim::sgd{}) == 10.0f);
  try {
    t.train_step(x, y, 2, optim::sgd{});
    FAIL("no error");
  } catch (const frameworks::framework_error& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK(m.find("[cnnbench.framework] fake: the process ended") != std::string::npos);
    CHECK(m.find("exit status 7") != std::string::npos);
    CHECK(m.find("fake: out of memory at step 3") != std::string::npos);
  }
}

TEST_CASE("external: a framework that does not answer is killed after the timeout") {
  const network<Net, In> net(init_scheme::glorot_uniform, 1);
  setenv("FAKE_HANG", "1", 1);
  frameworks::external_trainer<Net, In> t(options("hangs", fake_code_dir("hangs", good_module)), net, loss::softmax_cross_entropy{});
  const std::vector<float> x(4, 1.0f);
  const std::vector<std::int32_t> y = {0};
  t.train_step(x, y, 1, optim::sgd{});
  const auto t0 = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(t.train_step(x, y, 1, optim::sgd{}), Catch::Matchers::Contains("no answer within 3 s (killed)"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
  unsetenv("FAKE_HANG");
}

TEST_CASE("external: a refused optimizer and a framework that cannot start are errors naming the framework") {
  const network<Net, In> net(init_scheme::glorot_uniform, 1);
  frameworks::external_trainer<Net, In> refused(options("refused", fake_code_dir("refused", good_module, 3)), net,
                                                loss::softmax_cross_entropy{});
  CHECK_THROWS_AS(refused.reserve(1), frameworks::framework_refused);
  CHECK_THROWS_WITH(refused.reserve(1), Catch::Matchers::Contains("no such optimizer here"));
  frameworks::external_trainer<Net, In> broken(
      options("broken", fake_code_dir("broken", "raise ImportError('No module named tensorflow')\n")), net,
      loss::softmax_cross_entropy{});
  CHECK_THROWS_WITH(broken.reserve(1), Catch::Matchers::Contains("No module named tensorflow"));
  auto o = options("nopython", fake_code_dir("nopython", good_module));
  o.python = "/nonexistent/bin/python";
  frameworks::external_trainer<Net, In> none(o, net, loss::softmax_cross_entropy{});
  CHECK_THROWS_AS(none.reserve(1), frameworks::framework_error);
  CHECK(frameworks::unavailable_reason("fake", o.python, o.code_dir).find("scripts/frameworks.sh fake") != std::string::npos);
}
