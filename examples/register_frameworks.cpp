// register_frameworks.cpp: adds the write-ups' Python frameworks to a benchmark program, once per
// program (examples/CMakeLists.txt compiles this file into each, naming its protocol family): each runs
// code generated from the model type (bench/frameworks/codegen.py) in its own process and virtual
// environment (frameworks/external.hpp), from cnnbench's initial weights on cnnbench's batches:
//   fashion_mnist --policy eigen_cpu,tensorflow,pytorch
// and, from the framework's own default initialisation instead (deliverable 4 of issue 11):
//   fashion_mnist --policy tensorflow,tensorflow:own-init
// They run only when named (not in the default policy set: each starts a Python runtime). A framework
// whose venv is missing is listed as unavailable with the command that creates it
// (scripts/frameworks.sh NAME). Where: $CNNBENCH_VENV_DIR/<name> (else the source tree's .venvs/, baked
// in at build time) and $CNNBENCH_FRAMEWORKS_DIR (else the source tree's bench/frameworks/).
#include <cnnbench/bench/protocols.hpp>
#include <cnnbench/bench/trainer.hpp>
#include <cnnbench/frameworks/external.hpp>
#include <cnnbench/models/published.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

// A namespace of its own: examples/CMakeLists.txt compiles a program's files as one translation unit.
namespace frameworks_registration {
namespace {
using namespace cnnbench;
using Family = CNNBENCH_EXAMPLE_FAMILY;
using Net = Family::model::net;
constexpr shape In = Family::model::input;

std::filesystem::path code_dir() {
  const char* env = std::getenv("CNNBENCH_FRAMEWORKS_DIR");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(CNNBENCH_SOURCE_FRAMEWORKS_DIR);
}
std::filesystem::path python(const std::string& name) {
  return frameworks::venv_dir(name, CNNBENCH_SOURCE_VENV_DIR) / "bin" / "python";
}
/// "tensorflow-cpu 2.21.0": the framework's own package as pinned in the requirements the venv was made
/// from (the first pin if that package is not listed).
std::string pinned_version(const std::string& name) {
  static const std::map<std::string, std::string> package = {{"tensorflow", "tensorflow-cpu"}, {"keras-jax", "keras"},
                                                              {"pytorch", "torch"},            {"jax", "jax"},
                                                              {"mxnet", "mxnet"},              {"chainer", "chainer"}};
  const auto it = package.find(name);
  std::ifstream f(frameworks::venv_dir(name, CNNBENCH_SOURCE_VENV_DIR) / "cnnbench-requirements.txt");
  std::string line, first;
  while (std::getline(f, line)) {
    const auto eq = line.find("==");
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    const std::string pin = line.substr(0, eq) + " " + line.substr(eq + 2);
    if (first.empty()) first = pin;
    if (it != package.end() && line.substr(0, eq) == it->second) return pin;
  }
  return first.empty() ? name : first;
}

bench::policy_entry<Net, In> entry(const std::string& name, const std::string& generator, const std::string& api,
                                   frameworks::init_mode init) {
  bench::policy_entry<Net, In> e;
  const bool own = init == frameworks::init_mode::framework;
  e.id = name + (own ? ":own-init" : "");
  e.in_default_set = false;
  e.label = [name, api, own](const bench::policy_options& o) {
    const int t = exec::eigen_cpu{.threads = o.threads}.resolved_threads();
    return pinned_version(name) + " (" + api + ", own process, " + std::to_string(t) + (t == 1 ? " thread" : " threads") +
           (own ? ", its own init)" : ")");
  };
  e.unavailable = [name, generator](const bench::policy_options&) {
    if (!std::filesystem::exists(code_dir() / generator)) return "no code generator " + (code_dir() / generator).string() + " yet";
    return frameworks::unavailable_reason(name, python(name), code_dir());
  };
  e.make = [name, id = e.id, init](const bench::policy_options& o, const network<Net, In>& net) {
    frameworks::external_options x;
    x.framework = name;
    x.python = python(name);
    x.code_dir = code_dir();
    x.work_dir = std::filesystem::path(o.out_dir.empty() ? "out" : o.out_dir) / "frameworks" / id / ("seed" + std::to_string(o.seed));
    x.threads = exec::eigen_cpu{.threads = o.threads}.resolved_threads();
    x.seed = o.seed;
    x.init = init;
    x.optimizer = o.optimizer;
    x.batch_size = o.batch_size;
    return frameworks::make_external_trainer(x, net, o.loss);
  };
  return e;
}

bool register_all() {
  struct framework {
    const char *name, *generator, *api;  // as bench/frameworks/codegen.py's FRAMEWORKS table
  };
  const framework all[] = {{"tensorflow", "gen_keras.py", "Keras Sequential, tf.function"},
                           {"keras-jax", "gen_keras.py", "Keras Sequential on JAX, jit"},
                           {"pytorch", "gen_torch.py", "torch.nn.Sequential"},
                           {"jax", "gen_jax.py", "Flax, Optax, jax.jit"},
                           {"mxnet", "gen_mxnet.py", "Gluon HybridSequential, hybridize"},
                           {"chainer", "gen_chainer.py", "chainer.Sequential"}};
  for (const auto& f : all)
    for (auto init : {frameworks::init_mode::cnnbench, frameworks::init_mode::framework})
      bench::policy_registry<Net, In>::add(entry(f.name, f.generator, f.api, init));
  return true;
}
const bool registered = register_all();
}  // namespace
}  // namespace frameworks_registration
