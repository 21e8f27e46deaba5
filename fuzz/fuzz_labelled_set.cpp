// A labelled set's labels.tsv and dataset.json, as a user's folder might hold them: the bytes
// before the first NUL are labels.tsv, the rest (when there is a NUL) dataset.json. Loading ends
// in a set or a ConfigError naming the problem; nothing else may escape.
#include "crossocr/errors.hpp"
#include "crossocr/evaluation.hpp"
#include "fuzz_support.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using crossocr::fuzz::require;

namespace {

std::string g_dir;

void write_file(const std::string& name, const std::string& text) {
  std::ofstream out(g_dir + "/" + name, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static char dir[] = "/tmp/crossocr-fuzz-set-XXXXXX";
  if (!mkdtemp(dir)) std::abort();
  g_dir = dir;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  write_file("labels.tsv", input.substr(0, nul));
  if (nul == std::string::npos) {
    std::filesystem::remove(g_dir + "/dataset.json");
  } else {
    write_file("dataset.json", input.substr(nul + 1));
  }
  try {
    const crossocr::LabelledSet set = crossocr::load_labelled_set(g_dir);
    require(!set.items.empty(), "a loaded set has at least one item");
    for (const auto& [file, expected] : set.items) {
      require(file.find('\t') == std::string::npos, "a file name holds no tab");
      require(file.find('\n') == std::string::npos, "a file name holds no line break");
      (void)expected;
    }
  } catch (const crossocr::ConfigError& e) {
    require(*e.what() != '\0', "a ConfigError says why");
  }
  return 0;
}
