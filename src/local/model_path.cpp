#include "local/model_path.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace crossocr {
namespace {

// The running program's folder: an installed crossocr finds its models beside its prefix
// (bin/../share/crossocr/models) wherever the prefix was moved to.
std::filesystem::path executable_dir() {
  std::error_code error;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : self.parent_path();
}

}  // namespace

std::vector<std::string> model_search_path() {
  std::vector<std::string> dirs;
  if (const char* dir = std::getenv("CROSSOCR_MODELS"); dir && *dir) return {dir};
  if (const auto exe = executable_dir(); !exe.empty()) {
    dirs.push_back((exe.parent_path() / "share/crossocr/models").string());
  }
  dirs.push_back(CROSSOCR_INSTALLED_MODELS_DIR);
  dirs.push_back(CROSSOCR_SOURCE_MODELS_DIR);
  return dirs;
}

std::string default_model_path(const std::string& file) {
  const std::vector<std::string> dirs = model_search_path();
  for (const std::string& dir : dirs) {
    const std::string path = dir + "/" + file;
    if (std::filesystem::exists(path)) return path;
  }
  return {};
}

std::string describe_model_search_path() {
  std::string out;
  for (const std::string& dir : model_search_path()) out += (out.empty() ? "" : ", ") + dir;
  return out;
}

}  // namespace crossocr
