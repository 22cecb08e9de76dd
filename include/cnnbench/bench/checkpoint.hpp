// cnnbench/bench/checkpoint.hpp: resumable runs. A run checkpoints after every epoch into a folder
// (the programs use <--out>/checkpoint); `--resume` continues it after a crash, a reboot or kill -9.
//
//   run_checkpoint<Net, In> cp(out / "checkpoint", run_fingerprint(...));
//   const bool resumed = cp.load();        // false: no checkpoint; throws when it is another run's
//   ... run_trials_resumable(runner, cp, progress, on_trial)
//
// FILES in the folder, each written atomically (atomic_file.hpp: a temporary file renamed over the old):
//   checkpoint.json            the commit point, written last: format and version, the run's fingerprint
//                              (what the run is: program, protocol, options, policies, model, data hashes),
//                              the records of the finished jobs (exact: doubles round-trip, NaN and infinities as "nan", "inf", "-inf"),
//                              whether the run finished, and the running job: its index, the epochs done
//                              and their records, and the names of its two state files:
//   job-<J>-epoch-<E>.weights  the job's network after E epochs (network::save's format)
//   job-<J>-epoch-<E>.optimizer the policy's optimizer state (exec/runner.hpp's optimizer_state), binary,
//                              little-endian: "CNBOPTST" (8 bytes), version (u32 = 1), step (u64), name
//                              length (u64) and name, buffer count (u64), per buffer its float count (u64)
//                              and the floats (float32), then the opaque bytes' length (u64) and bytes.
//                              Absent when the policy cannot export its optimizer state: that job then
//                              restarts from epoch 0 on resume (its finished epochs are trained again).
// State files of older epochs are removed once checkpoint.json no longer names them, so a kill at any
// moment leaves a checkpoint.json whose files exist.
//
// GUARANTEE. A run resumed with the same program, options, data and thread count gives the same
// weights, bit for bit, and the same records except for the wall-clock fields (times, images/s, date)
// and the peak memory of the job that was interrupted (measured from the resume), because every job
// continues from the state after its last whole epoch, and batch orders, augmentations and dropout masks
// are pure functions of (seed, epoch, step). A checkpoint of another run is refused: load() throws
// value_error naming the fields that differ. A corrupt checkpoint throws data_error naming the file.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "../atomic_file.hpp"
#include "../data/dataset.hpp"
#include "../error.hpp"
#include "../exec/runner.hpp"
#include "../network.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "results.hpp"
#include "trials.hpp"

namespace cnnbench::bench {

namespace detail {
// A double as JSON, exactly: finite numbers as numbers (nlohmann prints the shortest form that reads
// back to the same bits), NaN and infinities as the strings "nan", "inf", "-inf" (a diverged epoch's
// loss keeps its kind). Reading throws data_error for any other string.
inline nlohmann::json exact(double v) {
  if (std::isfinite(v)) return v;
  if (std::isnan(v)) return "nan";
  return v > 0 ? "inf" : "-inf";
}
inline double exact(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_null()) return NAN;
  const auto s = j.get<std::string>();
  if (s == "nan") return NAN;
  if (s == "inf") return INFINITY;
  if (s == "-inf") return -INFINITY;
  throw data_error("trial record: '" + s + "' is not a number");
}
}  // namespace detail

/// A trial record as JSON, exactly (doubles round-trip, NaN and infinities included). Used by the
/// checkpoints and by the MPI gather (mpi/trials.hpp), so both carry records the same way.
inline nlohmann::json record_to_json(const trial_record& t) {
  using nlohmann::json;
  json epochs = json::array();
  for (const auto& e : t.epochs)
    epochs.push_back({{"epoch", e.epoch}, {"train_loss", detail::exact(e.train_loss)},
                      {"train_accuracy", detail::exact(e.train_accuracy)}, {"test_loss", detail::exact(e.test_loss)},
                      {"test_accuracy", detail::exact(e.test_accuracy)}, {"test_images", e.test_images},
                      {"train_seconds", e.train_seconds}, {"images", e.images}});
  json j = {{"policy", t.policy}, {"policy_label", t.policy_label}, {"arm", t.arm}, {"trial", t.trial}, {"seed", t.seed},
            {"status", t.status}, {"detail", t.detail}, {"epochs", epochs}, {"peak_host_bytes", t.peak_host_bytes},
            {"baseline_host_bytes", t.baseline_host_bytes}, {"peak_host_per_run", t.peak_host_per_run},
            {"peak_device_bytes", t.peak_device_bytes}};
  if (t.profile) j["profile"] = profile_to_json(*t.profile);
  return j;
}
inline std::vector<epoch_record> epochs_from_json(const nlohmann::json& a) {
  std::vector<epoch_record> v;
  for (const auto& e : a) {
    epoch_record r;
    r.epoch = e.at("epoch").get<std::size_t>();
    r.train_loss = detail::exact(e.at("train_loss"));
    r.train_accuracy = detail::exact(e.at("train_accuracy"));
    r.test_loss = detail::exact(e.at("test_loss"));
    r.test_accuracy = detail::exact(e.at("test_accuracy"));
    r.test_images = e.at("test_images").get<std::size_t>();
    r.train_seconds = e.at("train_seconds").get<double>();
    r.images = e.at("images").get<std::size_t>();
    v.push_back(r);
  }
  return v;
}
/// The record of record_to_json. Throws nlohmann::json::exception for a malformed one.
inline trial_record record_from_json(const nlohmann::json& j) {
  trial_record t;
  t.policy = j.at("policy").get<std::string>();
  t.policy_label = j.at("policy_label").get<std::string>();
  t.arm = j.at("arm").get<std::string>();
  t.trial = j.at("trial").get<std::size_t>();
  t.seed = j.at("seed").get<std::uint64_t>();
  t.status = j.at("status").get<std::string>();
  t.detail = j.at("detail").get<std::string>();
  t.epochs = epochs_from_json(j.at("epochs"));
  t.peak_host_bytes = j.at("peak_host_bytes").get<std::size_t>();
  t.baseline_host_bytes = j.at("baseline_host_bytes").get<std::size_t>();
  t.peak_host_per_run = j.at("peak_host_per_run").get<bool>();
  t.peak_device_bytes = j.at("peak_device_bytes").get<std::size_t>();
  if (j.contains("profile")) t.profile = profile_from_json(j.at("profile"));
  return t;
}

/// A 64-bit hash of a data set's images, labels and normalisation statistics (to refuse a checkpoint
/// made on other data). Not cryptographic.
inline std::uint64_t data_hash(const dataset& d) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&](const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t w;
      std::memcpy(&w, b + i, 8);
      h = (h ^ w) * 0x100000001b3ull;
      h ^= h >> 29;
    }
    for (; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
    h = (h ^ n) * 0x100000001b3ull;
  };
  mix(d.pixels.data(), d.pixels.size());
  mix(d.values.data(), d.values.size() * sizeof(float));
  mix(d.labels.data(), d.labels.size() * sizeof(std::int32_t));
  mix(d.mean.data(), d.mean.size() * sizeof(float));
  mix(d.stddev.data(), d.stddev.size() * sizeof(float));
  return h;
}

/// What a run is, for refusing a checkpoint of another: the program, the protocol (as results.json
/// writes it), the policies (ids and labels, which carry the thread count), the options that change
/// results, the model (architecture hash, parameter count) and the data (names, sizes, hashes).
template <class Net, shape In>
nlohmann::json run_fingerprint(const std::string& program, const run_result& r, const std::vector<std::string>& policy_ids,
                               const std::vector<std::string>& policy_labels, const run_options& o, const dataset& train,
                               const dataset& test) {
  auto j = json_report(r);  // the protocol as the reports show it
  return {{"program", program},
          {"protocol", j["protocol"]},
          {"policies", policy_ids},
          {"policy_labels", policy_labels},
          {"options", {{"threads", o.policy.threads}, {"seed", o.policy.seed}, {"device", o.policy.device},
                       {"eval_batch_size", o.eval_batch_size}}},
          {"model", {{"architecture_hash", cnnbench::detail::hex64(network<Net, In>::architecture_hash)},
                     {"parameters", network<Net, In>::param_count}}},
          {"data", {{"train", r.train_name}, {"train_images", train.size()}, {"train_hash", cnnbench::detail::hex64(data_hash(train))},
                    {"test", r.test_name}, {"test_images", test.size()}, {"test_hash", cnnbench::detail::hex64(data_hash(test))}}}};
}

/// The checkpoint folder of one run (see the file comment).
template <class Net, shape In>
class run_checkpoint {
 public:
  static constexpr int format_version = 1;

  run_checkpoint(std::filesystem::path dir, nlohmann::json fingerprint) : dir_(std::move(dir)), fingerprint_(std::move(fingerprint)) {}

  const std::filesystem::path& folder() const noexcept { return dir_; }
  std::filesystem::path file() const { return dir_ / "checkpoint.json"; }
  /// Whether the folder holds a checkpoint at all (of any run).
  bool exists() const { return std::filesystem::exists(file()); }
  /// Whether folder `dir` holds the checkpoint of a run (of any options) that has not finished.
  static bool holds_unfinished_run(const std::filesystem::path& dir) {
    if (!std::filesystem::exists(dir / "checkpoint.json")) return false;
    try {
      std::ifstream f(dir / "checkpoint.json");
      const auto j = nlohmann::json::parse(f);
      return !j.value("finished", true);
    } catch (const nlohmann::json::exception&) {
      return false;
    }
  }

  /// Reads the checkpoint. Returns false when there is none. Throws value_error when it is of another
  /// run (naming the fields that differ), data_error when it is corrupt or a state file is (naming it).
  bool load() {
    if (!exists()) return false;
    const auto path = file();
    nlohmann::json j;
    try {
      std::ifstream f(path);
      j = nlohmann::json::parse(f);
    } catch (const nlohmann::json::exception& e) {
      throw data_error(path.string() + ": not a readable checkpoint (" + e.what() + ")");
    }
    if (!j.is_object() || j.value("format", "") != "cnnbench-checkpoint" || j.value("version", 0) != format_version)
      throw data_error(path.string() + ": not a cnnbench checkpoint of format version " + std::to_string(format_version));
    if (!j.contains("run") || j["run"] != fingerprint_) throw value_error(difference(path, j.value("run", nlohmann::json())));
    try {
      done_.clear();
      for (const auto& e : j.at("jobs")) done_[e.at("job").get<std::size_t>()] = record_from_json(e.at("record"));
      finished_ = j.at("finished").get<bool>();
      running_.reset();
      running_job_ = 0;
      if (const auto& r = j.at("running"); !r.is_null()) {
        job_state<Net, In> st;
        running_job_ = r.at("job").get<std::size_t>();
        st.epochs_done = r.at("epochs_done").get<std::size_t>();
        st.epochs = epochs_from_json(r.at("epochs"));
        st.net.load(dir_ / r.at("weights").get<std::string>());
        if (!r.at("optimizer").is_null()) st.optimizer = read_optimizer(dir_ / r.at("optimizer").get<std::string>());
        running_ = std::move(st);
      }
    } catch (const nlohmann::json::exception& e) {
      throw data_error(path.string() + ": malformed checkpoint (" + e.what() + ")");
    }
    return true;
  }

  /// Whether the loaded checkpoint is of a run that finished.
  bool finished() const noexcept { return finished_; }
  /// The record of job `index`, when it finished.
  const trial_record* record(std::size_t index) const {
    const auto it = done_.find(index);
    return it == done_.end() ? nullptr : &it->second;
  }
  /// The state of job `index` after its last checkpointed epoch, when it was running.
  const job_state<Net, In>* running(std::size_t index) const { return running_ && running_job_ == index ? &*running_ : nullptr; }
  /// Finished jobs.
  std::size_t finished_jobs() const noexcept { return done_.size(); }

  /// Forgets any previous checkpoint (its files are removed) and writes an empty one. Throws io_error.
  void start() {
    done_.clear();
    running_.reset();
    finished_ = false;
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) throw io_error(dir_.string() + ": cannot create the checkpoint folder (" + ec.message() + ")");
    commit(nullptr, "", "");
  }
  /// Saves the state of running job `index` after an epoch (state files first, then checkpoint.json).
  void save_state(std::size_t index, const job_state<Net, In>& st) {
    const std::string stem = "job-" + std::to_string(index) + "-epoch-" + std::to_string(st.epochs_done);
    st.net.save(dir_ / (stem + ".weights"));
    if (st.optimizer) write_optimizer(dir_ / (stem + ".optimizer"), *st.optimizer);
    running_job_ = index;
    running_ = st;
    commit(&st, stem + ".weights", st.optimizer ? stem + ".optimizer" : "");
  }
  /// Records finished job `index` (its running state is dropped).
  void save_record(std::size_t index, const trial_record& r) {
    done_[index] = r;
    if (running_job_ == index) running_.reset();
    commit(nullptr, "", "");
  }
  /// Marks the run finished (every job recorded).
  void save_finished() {
    finished_ = true;
    running_.reset();
    commit(nullptr, "", "");
  }

 private:
  std::string difference(const std::filesystem::path& path, const nlohmann::json& saved) const {
    std::string what;
    std::size_t shown = 0;
    const auto patch = nlohmann::json::diff(saved, fingerprint_);
    for (const auto& op : patch) {
      if (shown++ == 4) {
        what += "; ...";
        break;
      }
      const std::string where = op.at("path").get<std::string>();
      const nlohmann::json::json_pointer ptr(where);
      const std::string there = saved.contains(ptr) ? saved.at(ptr).dump() : "(absent)";
      const std::string here = fingerprint_.contains(ptr) ? fingerprint_.at(ptr).dump() : "(absent)";
      what += std::string(what.empty() ? "" : "; ") + (where.empty() ? "/" : where) + " is " + there +
              " in the checkpoint, " + here + " now";
    }
    return path.string() + " is a checkpoint of another run (" + what +
           "): run with the same options to resume it, or remove the folder (or pass another --out) to start afresh";
  }

  void commit(const job_state<Net, In>* st, const std::string& weights, const std::string& optimizer) {
    nlohmann::json jobs = nlohmann::json::array();
    for (const auto& [i, r] : done_) jobs.push_back({{"job", i}, {"record", record_to_json(r)}});
    nlohmann::json running = nullptr;
    if (st) {
      trial_record tmp;
      tmp.epochs = st->epochs;
      running = {{"job", running_job_}, {"epochs_done", st->epochs_done}, {"epochs", record_to_json(tmp)["epochs"]},
                 {"weights", weights}, {"optimizer", optimizer.empty() ? nlohmann::json(nullptr) : nlohmann::json(optimizer)}};
    }
    const nlohmann::json j = {{"format", "cnnbench-checkpoint"}, {"version", format_version}, {"run", fingerprint_},
                              {"finished", finished_}, {"jobs", jobs}, {"running", running}};
    write_file_atomically(file(), j.dump(1) + "\n");
    // State files that checkpoint.json no longer names are removed.
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir_, ec)) {
      const std::string n = e.path().filename().string();
      if (n.rfind("job-", 0) == 0 && n != weights && n != optimizer) std::filesystem::remove(e.path(), ec);
    }
  }

  static void put64(atomic_file& f, std::uint64_t v) { f.write(&v, 8); }
  static void write_optimizer(const std::filesystem::path& path, const optimizer_state& s) {
    atomic_file f(path);
    f.write("CNBOPTST", 8);
    const std::uint32_t version = 1;
    f.write(&version, 4);
    put64(f, s.step);
    put64(f, s.optimizer.size());
    f.write(s.optimizer);
    put64(f, s.buffers.size());
    for (const auto& b : s.buffers) {
      put64(f, b.size());
      f.write(b.data(), b.size() * sizeof(float));
    }
    put64(f, s.opaque.size());
    f.write(s.opaque);
    f.commit();
  }
  static optimizer_state read_optimizer(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw io_error(path.string() + ": cannot open for reading");
    const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::size_t pos = 0;
    auto need = [&](std::size_t n, const char* what) {
      if (n > bytes.size() - pos)
        throw data_error(path.string() + ": truncated optimizer state (" + what + " at offset " + std::to_string(pos) + ")");
    };
    auto get64 = [&](const char* what) {
      need(8, what);
      std::uint64_t v;
      std::memcpy(&v, bytes.data() + pos, 8);
      pos += 8;
      return v;
    };
    need(12, "header");
    std::uint32_t version = 0;
    std::memcpy(&version, bytes.data() + 8, 4);
    if (bytes.compare(0, 8, "CNBOPTST") != 0 || version != 1)
      throw data_error(path.string() + ": not a cnnbench optimizer state of version 1");
    pos = 12;
    optimizer_state s;
    s.step = get64("step");
    const auto name = get64("name length");
    need(name, "name");
    s.optimizer = bytes.substr(pos, name);
    pos += name;
    const auto buffers = get64("buffer count");
    if (buffers > 16) throw data_error(path.string() + ": " + std::to_string(buffers) + " optimizer buffers (at most 16)");
    for (std::uint64_t i = 0; i < buffers; ++i) {
      const auto n = get64("buffer size");
      if (n > (bytes.size() - pos) / sizeof(float)) need(bytes.size() + 1, "buffer");
      s.buffers.emplace_back(n);
      std::memcpy(s.buffers.back().data(), bytes.data() + pos, n * sizeof(float));
      pos += n * sizeof(float);
    }
    const auto opaque = get64("opaque length");
    need(opaque, "opaque state");
    s.opaque = bytes.substr(pos, opaque);
    return s;
  }

  std::filesystem::path dir_;
  nlohmann::json fingerprint_;
  std::map<std::size_t, trial_record> done_;
  bool finished_ = false;
  std::optional<job_state<Net, In>> running_;
  std::size_t running_job_ = 0;
};

/// Runs every job of `runner` in report order, skipping those `cp` has recorded, continuing the running
/// one from its last epoch, and checkpointing after every epoch and job; marks the run finished. The
/// checkpoint must have been load()ed or start()ed. on_trial is called for every record, old or new.
/// With a `weights` folder (created), each job that trains writes its final weights there as
/// <policy>-arm<A>-trial<T>.weights (1-based; network::save's format, atomically).
template <class Net, shape In>
run_result run_trials_resumable(const trial_runner<Net, In>& runner, run_checkpoint<Net, In>& cp, bool quiet,
                                const std::function<void(const trial_record&)>& on_trial = {},
                                const std::filesystem::path& weights = {}) {
  if (!weights.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(weights, ec);
    if (ec) throw io_error(weights.string() + ": cannot create the weights folder (" + ec.message() + ")");
  }
  run_result result = runner.result();
  const auto jobs = runner.plan();
  progress_line progress(quiet, runner.images_per_job() * jobs.size());
  for (const auto& job : jobs) {
    if (const auto* done = cp.record(job.index)) {
      result.trials.push_back(*done);
    } else {
      job_hooks<Net, In> hooks;
      hooks.resume = cp.running(job.index);
      hooks.after_epoch = [&](const job_state<Net, In>& st) { cp.save_state(job.index, st); };
      if (!weights.empty())
        hooks.final_weights = [&](const network<Net, In>& net) {
          net.save(weights / (runner.policy_id(job) + "-arm" + std::to_string(job.arm + 1) + "-trial" +
                              std::to_string(job.trial + 1) + ".weights"));
        };
      result.trials.push_back(runner.run(job, &progress, job.index * runner.images_per_job(), hooks));
      cp.save_record(job.index, result.trials.back());
    }
    if (on_trial) on_trial(result.trials.back());
  }
  progress.clear();
  cp.save_finished();
  return result;
}

}  // namespace cnnbench::bench
