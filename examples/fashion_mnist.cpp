// fashion_mnist: the S1 comparison ("Comparison Flux, Pytorch and Tensorflow 2.0") reproduced on
// real Fashion-MNIST, with every policy this program was built with, next to the published table.
//
//   fashion_mnist                                  quick protocol (3 trials x 4 epochs), eigen_cpu
//   fashion_mnist --protocol published             the write-up's 200 epochs x 10 trials, its optimizers
//   fashion_mnist --policy eigen_cpu,libtorch      several policies from the same weights and batches
//   fashion_mnist --epochs 1 --trials 2 --optimizer sgd --lr 0.05 --out /tmp/run
//
// Writes report.md, results.csv, results.json and learning_curves.{png,svg} into --out, and prints
// the table. Exit codes: 0 done (diverged trials are reported, not fatal), 2 bad input (missing or
// corrupt data, unwritable --out, bad option), 1 anything unexpected.
//
// The model is models::FashionMnistCnn: [ZeroPad 1, Conv 3x3, ReLU, MaxPool 2] x 3 with 16/32/64
// filters, Flatten, Dense 72, ReLU, Dense 10 -- 65,570 parameters, checked by the compiler.
#include <CLI/CLI.hpp>
#include <cnnbench/bench.hpp>
#include <cnnbench/cnnbench.hpp>

#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "build_info.hpp"

namespace {
using namespace cnnbench;
namespace fs = std::filesystem;
using Net = models::FashionMnistCnn;
constexpr shape In = models::fashion_mnist_input;
static_assert(param_count_v<Net, In> == 65'570);

constexpr int exit_bad_input = 2;

/// The four files of the dataset in `dir`, or a message that names what is missing and how to get it.
std::string missing_data(const fs::path& dir) {
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                        "t10k-labels-idx1-ubyte.gz"}) {
    const fs::path p = dir / f;
    if (!fs::exists(p))
      return "Fashion-MNIST not found: " + p.string() +
             " does not exist.\n  Install it with the Debian package (apt-get install dataset-fashion-mnist, which puts it "
             "in /usr/share/datasets/fashion-mnist), or pass --data DIR, a folder holding train-images-idx3-ubyte.gz, "
             "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz.";
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  bench::set_git_commit(cnnbench_example_git_commit());
  CLI::App app{"Fashion-MNIST CNN (S1): train with cnnbench's policies, compare with the published table"};
  std::vector<std::string> policies{"eigen_cpu"};
  std::string protocol_name = "quick", optimizer, init, out = "out/fashion_mnist";
  fs::path data = "/usr/share/datasets/fashion-mnist";
  std::size_t epochs = 0, trials = 0, batch = 0, train_samples = 0;
  double lr = 0, momentum = -1;
  std::uint64_t seed = 0;
  int threads = 0, device = 0;
  bool quiet = false, list = false, eval_train = false;
  app.add_option("--policy,-p", policies, "Policies to compare (comma-separated): " +
                                              bench::policy_registry<Net, In>::ids())
      ->delimiter(',');
  app.add_option("--protocol", protocol_name, "quick (3 trials x 4 epochs) or published (200 epochs x 10 trials)")
      ->check(CLI::IsMember({"quick", "published"}));
  app.add_option("--epochs", epochs, "Epochs per trial (default: the protocol's)");
  app.add_option("--trials", trials, "Trials (default: the protocol's)");
  app.add_option("--batch", batch, "Mini-batch size (default: the protocol's, 64)");
  app.add_option("--optimizer", optimizer, "One of the optimizer presets (default: the protocol's arms)")
      ->check(CLI::IsMember(bench::optimizer_names()));
  app.add_option("--lr", lr, "Learning rate (with --optimizer; default: the optimizer's)");
  app.add_option("--momentum", momentum, "Momentum for sgd (default 0.9) and rmsprop (default 0)");
  app.add_option("--init", init, "Initialisation scheme: glorot_uniform, he_uniform, torch_default, ... (default: the protocol's)");
  app.add_option("--seed", seed, "Seed of the first trial (trial t uses seed + t; default: the protocol's, 1)");
  app.add_option("--threads", threads, "CPU threads (0: all cores)");
  app.add_option("--device", device, "GPU index for the GPU policies");
  app.add_option("--data", data, "Folder with the Fashion-MNIST IDX files");
  app.add_option("--out", out, "Folder for report.md, results.csv, results.json and the plots");
  app.add_option("--train-samples", train_samples, "Train on the first N training images only (0: all 60,000)");
  app.add_flag("--eval-train", eval_train, "Also measure training-set accuracy after each epoch");
  app.add_flag("--quiet,-q", quiet, "No progress line");
  app.add_flag("--list-policies", list, "List the policies this program was built with and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_bad_input;
  }
  using registry = bench::policy_registry<Net, In>;
  if (list) {
    for (const auto& e : registry::entries()) {
      const std::string why = e.unavailable({threads, 0, device});
      std::cout << e.id << "  " << e.label({threads, 0, device}) << (why.empty() ? "" : "  (unavailable here: " + why + ")")
                << '\n';
    }
    return 0;
  }
  try {
    // Everything that can be checked before a long run is checked first.
    std::vector<const bench::policy_entry<Net, In>*> chosen;
    for (const auto& id : policies) {
      const auto* e = registry::find(id);
      if (!e) {
        std::cerr << "fashion_mnist: unknown policy '" << id << "'; this build has: " << registry::ids() << '\n';
        return exit_bad_input;
      }
      chosen.push_back(e);
    }
    bench::protocol proto = protocol_name == "published" ? bench::fashion_mnist_published() : bench::fashion_mnist_quick();
    if (epochs) proto.epochs = epochs;
    if (trials) proto.trials = trials;
    if (batch) proto.batch_size = batch;
    if (seed) proto.seed = seed;
    if (!init.empty()) proto.init = parse_init_scheme(init);
    if (!optimizer.empty()) {
      const auto opt = bench::parse_optimizer(optimizer, lr, momentum);
      proto.arms = {{bench::describe(opt), opt}};
    } else if (lr > 0) {
      for (auto& a : proto.arms) {
        std::visit([&](auto& o) { o.lr = lr; }, a.optimizer);
        a.label = bench::describe(a.optimizer);
      }
    }
    proto.train_samples = train_samples;
    proto.evaluate_train = eval_train;
    if (epochs || trials || batch || !optimizer.empty() || lr > 0 || train_samples || !init.empty())
      proto.notes.insert(proto.notes.begin(), "Protocol '" + proto.name + "' with command-line changes.");
    bench::check_writable(out);
    if (const auto msg = missing_data(data); !msg.empty()) {
      std::cerr << "fashion_mnist: " << msg << '\n';
      return exit_bad_input;
    }

    std::cerr << "fashion_mnist: reading " << data.string() << '\n';
    auto train = read_idx_dataset(data / "train-images-idx3-ubyte.gz", data / "train-labels-idx1-ubyte.gz", 10,
                                  "Fashion-MNIST train");
    auto test = read_idx_dataset(data / "t10k-images-idx3-ubyte.gz", data / "t10k-labels-idx1-ubyte.gz", 10, "Fashion-MNIST test");
    std::cerr << "fashion_mnist: protocol " << proto.name << ": " << proto.trials << " trial(s) x " << proto.epochs
              << " epoch(s) x " << proto.arms.size() << " arm(s) x " << chosen.size() << " policy(ies), batch "
              << proto.batch_size << (proto.train_samples ? ", first " + std::to_string(proto.train_samples) + " training images" : "")
              << '\n';

    bench::run_options ro;
    ro.policy = {threads, 0, device};
    ro.quiet = quiet;
    ro.on_trial = [&](const bench::trial_record& t) {
      std::cout << "trial " << t.trial << "/" << proto.trials << "  " << t.policy_label << "  " << t.arm << ": ";
      if (t.status == "ok")
        std::cout << "test accuracy " << bench::detail::fixed(t.final_test_accuracy(), 4) << ", " << bench::hms(t.train_seconds())
                  << " training, " << bench::detail::thousands(t.images_per_second()) << " images/s\n";
      else
        std::cout << t.status << ": " << t.detail << '\n';
      std::cout.flush();
    };
    const auto result = bench::run_trials<Net, In>(proto, train, test, chosen, ro);
    const auto files = bench::write_reports(result, out);

    std::cout << '\n' << bench::markdown_table(result) << '\n';
    std::cout << "report:  " << files.markdown.string() << "\ncsv:     " << files.csv.string() << "\njson:    " << files.json.string()
              << "\nplots:   " << files.plot_png.string() << ", " << files.plot_svg.string() << '\n';
    if (!files.plot_note.empty()) std::cout << "         (" << files.plot_note << ")\n";
    std::size_t diverged = 0;
    for (const auto& t : result.trials) diverged += t.status == "diverged";
    if (diverged) std::cerr << "fashion_mnist: " << diverged << " trial(s) diverged (NaN or infinite loss); see the reports\n";
    return 0;
  } catch (const io_error& e) {
    std::cerr << "fashion_mnist: " << e.what() << '\n';
    return exit_bad_input;
  } catch (const data_error& e) {
    std::cerr << "fashion_mnist: " << e.what() << '\n';
    return exit_bad_input;
  } catch (const value_error& e) {
    std::cerr << "fashion_mnist: " << e.what() << '\n';
    return exit_bad_input;
  } catch (const std::exception& e) {
    std::cerr << "fashion_mnist: unexpected error: " << e.what() << '\n';
    return 1;
  }
}
