// register_cudnn.cpp: adds the GPU policy "cudnn" (exec::cudnn: cuDNN + cuBLAS) to a benchmark program,
// once per program: examples/CMakeLists.txt compiles this file into each program when CNNBENCH_WITH_CUDA
// found CUDA and cuDNN, naming the program's protocol family (CNNBENCH_EXAMPLE_FAMILY). Nothing else
// changes in the program: `fashion_mnist --policy eigen_cpu,cudnn`.
// Without a device the policy stays listed and its rows are reported as skipped, with the reason.
#include <cnnbench/bench/trainer.hpp>
#include <cnnbench/exec/cudnn.hpp>
#include <cnnbench/bench/protocols.hpp>
#include <cnnbench/models/published.hpp>

#include <string>

// A namespace of its own: examples/CMakeLists.txt compiles a program's files as one translation unit.
namespace cudnn_registration {
namespace {
using namespace cnnbench;
// The program's protocol family, named by examples/CMakeLists.txt for each program this file joins.
using Family = CNNBENCH_EXAMPLE_FAMILY;
using Net = Family::model::net;
constexpr shape In = Family::model::input;

bench::policy_entry<Net, In> cudnn_entry() {
  bench::policy_entry<Net, In> e;
  e.id = "cudnn";
  e.label = [](const bench::policy_options& o) {
    const std::string name = exec::cudnn::device_name(o.device);
    return "cnnbench cudnn (" + (name.empty() ? std::string("no CUDA device") : name) + ")";
  };
  e.make = [](const bench::policy_options& o, const network<Net, In>& net) {
    return bench::make_trainer(exec::cudnn{.device = o.device, .seed = o.seed}, net, o.loss);
  };
  e.unavailable = [](const bench::policy_options& o) {
    const std::string why = exec::cudnn::unavailable_reason(o.device);
    return why.empty() ? why : "no CUDA device: " + why;
  };
  return e;
}

[[maybe_unused]] const bool registered = bench::policy_registry<Net, In>::add(cudnn_entry());
}  // namespace
}  // namespace cudnn_registration
