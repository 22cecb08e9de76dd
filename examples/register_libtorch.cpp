// register_libtorch.cpp: adds exec::libtorch ("PyTorch 1.13 via LibTorch, CPU") to a benchmark program,
// once per program: examples/CMakeLists.txt compiles this file into each program when cnnbench::libtorch
// is available, naming the program's protocol family (CNNBENCH_EXAMPLE_FAMILY), so the program itself
// has no #ifdef: `fashion_mnist --policy eigen_cpu,libtorch` runs both from the same weights and batches.
#include <cnnbench/bench/trainer.hpp>
#include <cnnbench/exec/libtorch.hpp>
#include <cnnbench/bench/protocols.hpp>
#include <cnnbench/models/published.hpp>

// A namespace of its own: examples/CMakeLists.txt compiles a program's files as one translation unit.
namespace libtorch_registration {
namespace {
using namespace cnnbench;
// The program's protocol family, named by examples/CMakeLists.txt for each program this file joins.
using Family = CNNBENCH_EXAMPLE_FAMILY;
using Net = Family::model::net;
constexpr shape In = Family::model::input;

bench::policy_entry<Net, In> libtorch_entry() {
  bench::policy_entry<Net, In> e;
  e.id = "libtorch";
  e.label = [](const bench::policy_options& o) {
    const int t = exec::eigen_cpu{.threads = o.threads}.resolved_threads();
    return exec::libtorch{}.label() + " (" + std::to_string(t) + (t == 1 ? " thread)" : " threads)");
  };
  e.make = [](const bench::policy_options& o, const network<Net, In>& net) {
    return bench::make_trainer(exec::libtorch{.device = "cpu", .threads = exec::eigen_cpu{.threads = o.threads}.resolved_threads()},
                               net, o.loss);
  };
  return e;
}
const bool registered = bench::policy_registry<Net, In>::add(libtorch_entry());
}  // namespace
}  // namespace libtorch_registration
