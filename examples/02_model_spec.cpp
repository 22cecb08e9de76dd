// 02_model_spec: a published model as the JSON spec the Python code generators read
// (include/cnnbench/frameworks/spec.hpp; bench/frameworks/codegen.py turns it into framework code).
//
//   02_model_spec --model s1                 the spec on stdout
//   02_model_spec --model s3 -o s3.json      into a file
//   02_model_spec --list                     the model ids
#include <CLI/CLI.hpp>
#include <cnnbench/frameworks/spec.hpp>
#include <cnnbench/models/published.hpp>

#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace {
using namespace cnnbench;

struct entry {
  std::string id;
  std::function<nlohmann::json()> spec;
};

template <class Bundle>
entry make(std::string id) {
  return {std::move(id), [] { return frameworks::model_spec<typename Bundle::net, Bundle::input>(); }};
}
}  // namespace

int main(int argc, char** argv) {
  using namespace cnnbench::models;
  const std::vector<entry> models = {make<s1>("s1"),        make<s2>("s2"),         make<s3>("s3"),
                                     make<s4>("s4"),        make<s4_classic>("s4-classic"), make<s5>("s5"),
                                     make<s5_binary>("s5-binary"), make<resnet18_cifar>("resnet18-cifar")};
  CLI::App app{"A published model as cnnbench's JSON model spec (version 1), for bench/frameworks/codegen.py"};
  std::string model, out;
  bool list = false;
  app.add_option("--model,-m", model, "Model id (s1, s2, s3, s4, s4-classic, s5, s5-binary, resnet18-cifar)");
  app.add_option("--out,-o", out, "Write the spec into this file (default: stdout)");
  app.add_flag("--list", list, "List the model ids and exit");
  CLI11_PARSE(app, argc, argv);
  if (list) {
    for (const auto& m : models) std::cout << m.id << '\n';
    return 0;
  }
  for (const auto& m : models)
    if (m.id == model) {
      const std::string text = m.spec().dump(1) + "\n";
      if (out.empty()) {
        std::cout << text;
        return 0;
      }
      std::ofstream f(out);
      if (!(f << text)) {
        std::cerr << "02_model_spec: cannot write " << out << '\n';
        return 2;
      }
      return 0;
    }
  std::cerr << "02_model_spec: unknown model '" << model << "' (--list names them)\n";
  return 2;
}
