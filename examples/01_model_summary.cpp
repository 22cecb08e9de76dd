// 01_model_summary: the compile-time summary of every published model (SEEDS.md S1..S5).
//
// Nothing here runs a network: shapes, parameter counts, FLOPs and offsets are all computed by
// the compiler from the model types in <cnnbench/models/published.hpp>. This is the table dlib#1072
// asked for ("the dims of each layer straight after construction"), available before any data.
//
//   01_model_summary                 every model
//   01_model_summary --model s1      one model (s1 .. s5, or its type name)
//   01_model_summary --list          the model names
#include <CLI/CLI.hpp>
#include <cnnbench/models/published.hpp>

#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace {
using namespace cnnbench;

struct entry {
  std::string id, type, title;
  std::function<void()> print;
};

template <class Net, shape In>
entry make(std::string id, std::string type, std::string title) {
  return {std::move(id), std::move(type), std::move(title), [] { std::cout << summary<Net, In>(); }};
}

std::vector<entry> published() {
  using namespace cnnbench::models;
  return {
      make<FashionMnistCnn, fashion_mnist_input>("s1", "FashionMnistCnn",
                                                 "S1 Fashion-MNIST CNN (Flux / PyTorch / TensorFlow comparison)"),
      make<Cifar10VggRosetta, cifar10_input>("s2", "Cifar10VggRosetta",
                                             "S2 VGG-style CIFAR-10 CNN (the 'Rosetta Stone' of frameworks)"),
      make<KerasCifar10Cnn, cifar10_input>("s3", "KerasCifar10Cnn", "S3 Keras cifar10_cnn (compare different nn lib)"),
      make<LeNetTfMxnet, mnist_input>("s4", "LeNetTfMxnet", "S4 LeNet as coded in Tensorflow-VS-MXNet-Benchmark"),
      make<LeNet5, mnist_input>("s4-classic", "LeNet5", "S4 classic LeNet-5 (Dive into Deep Learning 7.6)"),
      make<CatsVsDogsCnn, cats_vs_dogs_input>("s5", "CatsVsDogsCnn", "S5 cats vs dogs 224x224 (PyTorch vs TensorFlow)"),
      make<CatsVsDogsCnnBinary, cats_vs_dogs_input>("s5-binary", "CatsVsDogsCnnBinary",
                                                    "S5 cats vs dogs with a single-logit head"),
      make<ResNet18Cifar, cifar10_input>("resnet18-cifar", "ResNet18Cifar",
                                         "ResNet-18 for CIFAR-10 (kuangliu/pytorch-cifar), Residual blocks"),
  };
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Compile-time summaries of the published models (Keras-style, NCHW, FLOPs per sample)"};
  std::string model;
  bool list = false;
  app.add_option("--model,-m", model, "Model id (s1, s2, s3, s4, s4-classic, s5, s5-binary, resnet18-cifar) or type name");
  app.add_flag("--list", list, "List the model ids and exit");
  CLI11_PARSE(app, argc, argv);

  const auto models = published();
  if (list) {
    for (const auto& m : models) std::cout << m.id << "  " << m.type << "  " << m.title << '\n';
    return 0;
  }
  bool found = false;
  for (const auto& m : models) {
    if (!model.empty() && model != m.id && model != m.type) continue;
    found = true;
    std::cout << "# " << m.title << "\n# cnnbench::models::" << m.type << "\n";
    m.print();
    std::cout << '\n';
  }
  if (!found) {
    std::cerr << "01_model_summary: unknown model '" << model << "'; --list shows the ids\n";
    return 2;
  }
  return 0;
}
