// cnnbench/bench/program.hpp: a whole benchmark program in one call: the command line, policy
// selection, protocol overrides, data loading, the trials, progress, reports and exit codes.
//
//   int main(int argc, char** argv) { return cnnbench::bench::run_program<cnnbench::bench::protocols::s1>(argc, argv); }
//
// A protocol family F (bench/protocols/s1.hpp ... s5.hpp) is a type with:
//   using model = <a models:: bundle>;                    model::net, model::input (models/published.hpp)
//   static constexpr std::string_view program, title;     "fashion_mnist", one line
//   static constexpr std::string_view source;             the write-up and its published table
//   static constexpr std::string_view data_help;          what --data must hold and where to get it
//   static std::filesystem::path default_data();          Debian's package folder, or "" (then --data is required)
//   static std::vector<protocol> protocols();             the named variants; the first is the default ("quick")
//   static data_split load(const std::filesystem::path& dir, const protocol&, const load_options&);
//                                                          throws io_error / data_error naming the file
// Exit codes: 0 done (diverged trials are reported, not fatal), 2 bad input (missing or corrupt data,
// unwritable --out, unknown policy or option, a loss that does not fit), 1 anything unexpected.
// The default policy set is every policy the program was built with that can run on this machine,
// so the first run is a side-by-side comparison.
#pragma once
#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../init.hpp"
#include "distributed.hpp"
#include "metrics.hpp"
#include "options.hpp"
#include "protocol.hpp"
#include "report.hpp"
#include "trainer.hpp"
#include "trials.hpp"

namespace cnnbench::bench {

/// The exit code for bad input.
inline constexpr int exit_bad_input = 2;

namespace detail {
template <class F>
std::string protocol_names() {
  std::string s;
  for (const auto& p : F::protocols()) s += (s.empty() ? "" : ", ") + p.name + " (" + p.title + ")";
  return s;
}
}  // namespace detail

/// The benchmark program of protocol family F (see above). Returns the process exit code.
template <class F>
int run_program(int argc, char** argv) {
  using Net = typename F::model::net;
  constexpr shape In = F::model::input;
  using registry = policy_registry<Net, In>;
  const std::string program(F::program);
  const auto all_protocols = F::protocols();

  CLI::App app{std::string(F::title) + "\n\nPublished source: " + std::string(F::source) + "\nData: " + std::string(F::data_help) +
               "\nProtocols: " + detail::protocol_names<F>()};
  program_options o;
  add_program_options(app, o, all_protocols, detail::protocol_names<F>(), registry::ids(), "out/" + program);
  o.data = F::default_data();
  app.get_option("--data")->description("Folder with the data set: " + std::string(F::data_help));
  const auto& policies = o.policies;
  const auto& out = o.out;
  const auto& data = o.data;
  const auto& lo = o.lo;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_bad_input;
  }
  policy_options po;
  po.threads = o.threads;
  po.device = o.device;
  po.out_dir = o.out;
  if (o.list) {
    for (const auto& e : registry::entries()) {
      const std::string why = e.unavailable(po);
      std::cout << e.id << "  " << e.label(po) << (why.empty() ? "" : "  (unavailable here: " + why + ")") << '\n';
    }
    return 0;
  }
  try {
    // Everything that can be checked before a long run is checked first.
    std::vector<const policy_entry<Net, In>*> chosen;
    if (policies.empty()) {
      for (const auto& e : registry::entries())
        if (e.in_default_set && e.unavailable(po).empty()) chosen.push_back(&e);
    } else {
      for (const auto& id : policies) {
        const auto* e = registry::find(id);
        if (!e) {
          std::cerr << program << ": unknown policy '" << id << "'; this build has: " << registry::ids() << '\n';
          return exit_bad_input;
        }
        chosen.push_back(e);
      }
    }
    protocol proto = apply_program_options(all_protocols, o);
    check_writable(out);
    if (data.empty() && !lo.synthetic) {
      std::cerr << program << ": no data folder: pass --data DIR, " << F::data_help << '\n';
      return exit_bad_input;
    }

    std::cerr << program << ": reading " << (lo.synthetic ? std::string("synthetic data") : data.string()) << '\n';
    data_split split = F::load(data, proto, lo);
    for (auto& n : split.notes) proto.notes.push_back(std::move(n));
    std::cerr << program << ": protocol " << proto.name << ": " << proto.trials << " trial(s) x " << proto.epochs
              << " epoch(s) x " << proto.arms.size() << " arm(s) x " << chosen.size() << " policy(ies), batch "
              << proto.batch_size
              << (proto.train_samples ? ", first " + std::to_string(proto.train_samples) + " training images" : "") << '\n';

    run_options ro;
    ro.policy = po;
    ro.quiet = o.quiet;
    ro.on_trial = [&](const trial_record& t) {
      std::cout << "trial " << t.trial << "/" << proto.trials << "  " << t.policy_label << "  " << t.arm << ": ";
      if (t.status == "ok")
        std::cout << "test accuracy " << detail::fixed(t.final_test_accuracy(), 4) << ", " << hms(t.train_seconds())
                  << " training, " << detail::thousands(t.images_per_second()) << " images/s\n";
      else
        std::cout << t.status << ": " << t.detail << '\n';
      std::cout.flush();
    };
    // In this process, or over MPI ranks when the program links cnnbench::mpi (bench/distributed.hpp).
    const auto ran = trial_distribution<Net, In>::run(proto, split.train, split.test, chosen, ro);
    if (!ran) return 0;  // another rank writes the reports
    const run_result& result = *ran;
    const auto files = write_reports(result, out);

    std::cout << '\n' << markdown_table(result) << '\n';
    std::cout << "report:  " << files.markdown.string() << "\ncsv:     " << files.csv.string() << "\njson:    " << files.json.string()
              << "\nplots:   " << files.plot_png.string() << ", " << files.plot_svg.string() << '\n';
    if (!files.plot_note.empty()) std::cout << "         (" << files.plot_note << ")\n";
    std::size_t diverged = 0;
    for (const auto& t : result.trials) diverged += t.status == "diverged";
    if (diverged) std::cerr << program << ": " << diverged << " trial(s) diverged (NaN or infinite loss); see the reports\n";
    return 0;
  } catch (const io_error& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return exit_bad_input;
  } catch (const data_error& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return exit_bad_input;
  } catch (const value_error& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return exit_bad_input;
  } catch (const shape_error& e) {
    std::cerr << program << ": " << e.what() << '\n';
    return exit_bad_input;
  } catch (const std::exception& e) {
    std::cerr << program << ": unexpected error: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace cnnbench::bench
