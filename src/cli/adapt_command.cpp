#include "cli/adapt_command.hpp"

#include "cli/input_list.hpp"

#include "crossocr/errors.hpp"
#include "crossocr/evaluation.hpp"
#include "crossocr/options.hpp"
#include "crossocr/output.hpp"
#include "crossocr/reader.hpp"
#include "local/model_path.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace crossocr::cli {
namespace {

namespace fs = std::filesystem;

// Debian's Python, where python3-torch installs; CROSSOCR_PYTHON names another (tests use it to
// stand in for a machine without PyTorch).
std::string python() {
  const char* given = std::getenv("CROSSOCR_PYTHON");
  return given != nullptr && *given != '\0' ? given : "/usr/bin/python3";
}

constexpr const char* kTrainingPackages =
    "python3-torch python3-onnx python3-opencv python3-pil python3-numpy fontconfig";

// Fewer held-back images than this say too little to refit the calibration's maps on.
constexpr std::size_t kMinHeldBackForCalibration = 20;

// Runs a program with these arguments (no shell), its output going where ours goes; returns its
// exit status, or -1 when it could not be started.
int run_program(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The three kinds of SOURCE, told apart by what is there.
struct Sources {
  std::vector<std::string> labelled;     // folders with labels.tsv
  std::vector<std::string> readings;     // JSONL of crossocr remote or vote results
  std::vector<std::string> cache_only;   // folders of images whose remote readings are cached
};

// A readings file must hold crossocr's own results: its first line says so, or the user hears
// which file is not one before any training starts.
void check_readings_file(const std::string& path) {
  std::ifstream in(path);
  std::string first;
  while (in && first.empty()) std::getline(in, first);
  const auto j = nlohmann::json::parse(first, nullptr, false);
  if (!in.good() && first.empty()) throw ConfigError(path + ": cannot read it, or it is empty");
  if (!j.is_object() || !j.contains("file") || !j.contains("mode")) {
    throw ConfigError(path + ": not a JSONL of crossocr results (crossocr --mode remote|vote --format jsonl)");
  }
}

Sources classify(const std::vector<std::string>& given) {
  Sources s;
  for (const std::string& source : given) {
    if (fs::is_directory(source) && fs::exists(fs::path(source) / "labels.tsv")) {
      load_labelled_set(source);  // a bad labels.tsv is named here, not in a Python traceback
      s.labelled.push_back(source);
    } else if (fs::is_directory(source)) {
      if (image_files_in(source).empty()) throw ConfigError(source + ": a folder with neither labels.tsv nor images");
      s.cache_only.push_back(source);
    } else if (fs::is_regular_file(source)) {
      check_readings_file(source);
      s.readings.push_back(source);
    } else {
      throw ConfigError(source + ": no such file or folder");
    }
  }
  return s;
}

// The remote readings already paid for: each image of the folders read in remote mode with no
// request allowed, so that only the cache answers. Written as crossocr's own JSONL, which the
// trainer reads like any other readings file. Returns how many images the cache knew.
std::size_t cached_readings(const std::vector<std::string>& folders, const CliOptions& options,
                            const std::string& jsonl_path) {
  ReaderOptions o = options.reader;
  o.mode = Mode::kRemote;
  o.fallback_local = false;
  o.remote.offline_reason = "crossocr adapt reads the remote cache only";
  std::vector<ImageSource> sources;
  for (const std::string& dir : folders) {
    for (std::string& image : image_files_in(dir)) sources.push_back(ImageSource{.name = std::move(image)});
  }
  std::ofstream out(jsonl_path);
  std::size_t found = 0;
  Reader::open(o)->read_batch(sources, [&](const ImageResult& r) {
    if (!r.ok()) return;
    ++found;
    out << result_to_json(r) << "\n";
  });
  if (!out.flush()) throw ConfigError("cannot write " + jsonl_path);
  std::cout << "adapt: the remote cache had readings of " << found << " of " << sources.size() << " images\n";
  return found;
}

// A scratch folder for what the trainer and this command pass each other; removed on the way out.
struct ScratchDir {
  std::string path;
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "crossocr-adapt-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw ConfigError("cannot make a scratch folder in " + fs::temp_directory_path().string());
    path = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
};

std::size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  return static_cast<std::size_t>(std::count(std::istreambuf_iterator<char>(in), {}, '\n'));
}

// The shipped calibration, its maps refitted on how the engine reads the held-back images with
// the adapted recogniser: an adapted network is surer than the one the shipped maps were fitted
// on. `held_back_dir` holds the trainer's labels.tsv of the labelled images it held back, and
// `held_back_readings_dir` that of the remote readings it held back, which stand in for labels
// when no labelled image was (a model adapted on remote readings alone).
void refit_calibration(const CliOptions& options, const std::string& model, const std::string& held_back_dir,
                       const std::string& held_back_readings_dir) {
  const std::string own = adapted_calibration_file(model);
  std::error_code gone;
  fs::remove(own, gone);  // an earlier model's, at the same path, is not this one's
  const std::size_t labelled = count_lines(fs::path(held_back_dir) / "labels.tsv");
  const std::size_t readings = count_lines(fs::path(held_back_readings_dir) / "labels.tsv");
  const bool on_readings = labelled < kMinHeldBackForCalibration && readings >= kMinHeldBackForCalibration;
  if (labelled < kMinHeldBackForCalibration && !on_readings) {
    std::cout << "adapt: " << labelled << " labelled images and " << readings << " remote readings held back, "
              << "fewer than " << kMinHeldBackForCalibration << ": the shipped calibration stays in use\n";
    return;
  }
  const std::string shipped = options.reader.local.calibration_path.empty()
                                  ? default_model_path("local_calibration.json")
                                  : options.reader.local.calibration_path;
  if (shipped.empty() || shipped == "none") return;
  fs::copy_file(shipped, own, fs::copy_options::overwrite_existing);
  LocalOptions local = options.reader.local;
  local.recognizer_path = model;
  const std::string source = on_readings ? held_back_readings_dir : held_back_dir;
  const ReadingMapsRefit refit = refit_reading_maps(
      {load_labelled_set(source)}, local, options.reader.jobs, own,
      "the shipped calibration, its maps refitted for " + fs::path(model).filename().string() + " on its held-back " +
          (on_readings ? "remote readings:" : "images:"),
      on_readings ? HeldBackLabels::kRemoteReadings : HeldBackLabels::kTrue);
  std::cout << "adapt: calibration refitted on " << refit.readings << " held-back "
            << (on_readings ? "remote readings" : "labelled images");
  if (on_readings) {
    std::cout << " (taken to be right " << static_cast<int>(refit.labels_right * 100 + 0.5)
              << "% of the time: how often the surest quarter of the adapted readings matched them)";
  }
  std::cout << ": " << own << "\n";
}

void check_trainer_can_run() {
  if (run_program({python(), "-c", "import torch, onnx, cv2, PIL, numpy"}) != 0) {
    throw ConfigError(std::string("crossocr adapt trains with PyTorch, which is not installed here: "
                                  "sudo apt-get install ") + kTrainingPackages +
                      " (or tools/setup.sh --training); reading needs none of it");
  }
}

std::string base_recognizer(const CliOptions& options) {
  const std::string& given = options.reader.local.recognizer_path;
  const std::string base = given.empty() ? default_model_path("strip_recognizer.onnx") : recognizer_file(given);
  if (base.empty() || !fs::exists(base)) throw ConfigError("the base recogniser " + base + " does not exist");
  return base;
}

}  // namespace

int run_adapt(CliOptions& options) {
  const std::string trainer = default_model_path("adapt_recognizer.py");
  if (trainer.empty()) {
    throw ConfigError("the trainer adapt_recognizer.py was not found in " + describe_model_search_path());
  }
  Sources sources = classify(options.sets);
  for (const std::string& dir : options.adapt_validate) load_labelled_set(dir);
  const std::string base = base_recognizer(options);
  check_trainer_can_run();
  const std::string out = recognizer_file(options.adapt_out);
  std::error_code ec;
  if (const auto parent = fs::path(out).parent_path(); !parent.empty()) fs::create_directories(parent, ec);

  const ScratchDir scratch;
  if (!sources.cache_only.empty()) {
    const std::string cached = scratch.path + "/cached.jsonl";
    if (cached_readings(sources.cache_only, options, cached) > 0) sources.readings.push_back(cached);
  }
  if (sources.labelled.empty() && sources.readings.empty()) {
    throw ConfigError("nothing to learn from: the remote cache had no reading of the given images");
  }
  const std::string held_back_dir = scratch.path + "/held-back";
  const std::string held_back_readings_dir = scratch.path + "/held-back-readings";
  fs::create_directories(held_back_dir);
  fs::create_directories(held_back_readings_dir);
  std::vector<std::string> args = {python(), trainer, "--base", base, "--out", out, "--minutes",
                                   std::to_string(options.adapt_minutes), "--heldback-out",
                                   held_back_dir + "/labels.tsv", "--heldback-readings-out",
                                   held_back_readings_dir + "/labels.tsv"};
  for (const std::string& set : sources.labelled) args.insert(args.end(), {"--set", set});
  for (const std::string& file : sources.readings) args.insert(args.end(), {"--readings", file});
  for (const std::string& set : options.adapt_validate) args.insert(args.end(), {"--validate", set});
  if (options.reader.jobs != 0) args.insert(args.end(), {"--threads", std::to_string(options.reader.jobs)});
  const int status = run_program(args);
  if (status != 0) {
    throw ConfigError("adapting failed (the trainer exited with status " + std::to_string(status) + ")");
  }
  refit_calibration(options, out, held_back_dir, held_back_readings_dir);
  std::cout << "read with it: crossocr --recognizer " << options.adapt_out << " IMAGE...\n";
  return kExitOk;
}

}  // namespace crossocr::cli
