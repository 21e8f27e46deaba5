#include "cli/adapt_command.hpp"

#include "crossocr/errors.hpp"
#include "crossocr/evaluation.hpp"
#include "crossocr/options.hpp"
#include "local/model_path.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <spawn.h>
#include <sys/wait.h>

extern char** environ;

namespace crossocr::cli {
namespace {

// Debian's Python, where python3-torch installs; CROSSOCR_PYTHON names another (tests use it to
// stand in for a machine without PyTorch).
std::string python() {
  const char* given = std::getenv("CROSSOCR_PYTHON");
  return given != nullptr && *given != '\0' ? given : "/usr/bin/python3";
}

constexpr const char* kTrainingPackages =
    "python3-torch python3-onnx python3-opencv python3-pil python3-numpy fontconfig";

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

}  // namespace

int run_adapt(CliOptions& options) {
  const std::string trainer = default_model_path("adapt_recognizer.py");
  if (trainer.empty()) {
    throw ConfigError("the trainer adapt_recognizer.py was not found in " + describe_model_search_path());
  }
  // A source that is not a labelled set is named here, not in a Python traceback.
  for (const std::string& dir : options.sets) load_labelled_set(dir);
  for (const std::string& dir : options.adapt_validate) load_labelled_set(dir);
  const std::string& given = options.reader.local.recognizer_path;
  const std::string base = given.empty() ? default_model_path("strip_recognizer.onnx") : recognizer_file(given);
  if (base.empty() || !std::filesystem::exists(base)) throw ConfigError("the base recogniser " + base + " does not exist");
  if (run_program({python(), "-c", "import torch, onnx, cv2, PIL, numpy"}) != 0) {
    throw ConfigError(std::string("crossocr adapt trains with PyTorch, which is not installed here: "
                                  "sudo apt-get install ") + kTrainingPackages +
                      " (or tools/setup.sh --training); reading needs none of it");
  }
  const std::string out = recognizer_file(options.adapt_out);
  std::error_code ec;
  if (const auto parent = std::filesystem::path(out).parent_path(); !parent.empty()) {
    std::filesystem::create_directories(parent, ec);
  }
  std::vector<std::string> args = {python(), trainer, "--base", base, "--out", out, "--minutes",
                                   std::to_string(options.adapt_minutes)};
  for (const std::string& set : options.sets) args.insert(args.end(), {"--set", set});
  for (const std::string& set : options.adapt_validate) args.insert(args.end(), {"--validate", set});
  if (options.reader.jobs != 0) args.insert(args.end(), {"--threads", std::to_string(options.reader.jobs)});
  const int status = run_program(args);
  if (status != 0) {
    throw ConfigError("adapting failed (the trainer exited with status " + std::to_string(status) + ")");
  }
  std::cout << "read with it: crossocr --recognizer " << options.adapt_out << " IMAGE...\n";
  return kExitOk;
}

}  // namespace crossocr::cli
