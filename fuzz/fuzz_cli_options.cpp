// The command line and the config file: the bytes before the first NUL are a config file's text
// (given with --config), the rest are argv words, one per line. Whatever they say, parsing ends
// in options or a usage exit status: never an exception, never a crash.
#include "cli/cli_options.hpp"
#include "fuzz_support.hpp"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

using crossocr::fuzz::require;
namespace cli = crossocr::cli;

namespace {

std::string g_config_path;

// Every line of `text` one argv word (empty lines dropped: the shell drops them too).
std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

void write_config(const std::string& text) {
  std::ofstream out(g_config_path, std::ios::binary | std::ios::trunc);
  out << text;
}

void check(const cli::ParseOutcome& outcome) {
  if (!outcome.options) {
    require(outcome.exit_code == cli::kExitOk || outcome.exit_code == cli::kExitUsage,
            "a refused command line exits 0 (help) or 2 (usage)");
    return;
  }
  require(outcome.exit_code == cli::kExitOk, "parsed options come with exit status 0");
  const crossocr::ReaderOptions& r = outcome.options->reader;
  require(std::isfinite(r.flag_below), "--flag-below is a finite number");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The user's own config, cache and priors stay out of it: every run sees the same empty folders.
  static char dir[] = "/tmp/crossocr-fuzz-cli-XXXXXX";
  if (!mkdtemp(dir)) std::abort();
  setenv("XDG_CONFIG_HOME", dir, 1);
  setenv("XDG_DATA_HOME", dir, 1);
  setenv("XDG_CACHE_HOME", dir, 1);
  g_config_path = std::string(dir) + "/fuzz.toml";
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  std::vector<std::string> argv_words = {"crossocr"};
  if (nul != std::string::npos) {
    write_config(input.substr(0, nul));
    argv_words.push_back("--config");
    argv_words.push_back(g_config_path);
  }
  for (std::string& w : words(nul == std::string::npos ? input : input.substr(nul + 1))) {
    argv_words.push_back(std::move(w));
  }
  std::vector<const char*> argv;
  for (const std::string& w : argv_words) argv.push_back(w.c_str());
  argv.push_back(nullptr);

  // Help and error messages are printed through the standard streams: not wanted here.
  std::ostringstream sink;
  std::streambuf* out = std::cout.rdbuf(sink.rdbuf());
  std::streambuf* err = std::cerr.rdbuf(sink.rdbuf());
  const cli::ParseOutcome outcome = cli::parse_command_line(static_cast<int>(argv.size() - 1), argv.data());
  std::cout.rdbuf(out);
  std::cerr.rdbuf(err);
  check(outcome);
  return 0;
}
