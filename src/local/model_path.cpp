#include "local/model_path.hpp"

#include "user_paths.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace crossocr {
namespace {

// The folder of the binary holding this code: libcrossocr.so, or the program it was linked into.
std::filesystem::path code_dir() {
  Dl_info info{};
  std::error_code error;
  std::filesystem::path file;
  if (dladdr(reinterpret_cast<void*>(&model_search_path), &info) != 0 && info.dli_fname != nullptr) {
    file = std::filesystem::weakly_canonical(info.dli_fname, error);
  }
  if (file.empty() || error || !std::filesystem::exists(file)) {
    file = std::filesystem::read_symlink("/proc/self/exe", error);
  }
  return error ? std::filesystem::path() : file.parent_path();
}

}  // namespace

std::vector<std::string> model_search_path() {
  if (const char* dir = std::getenv("CROSSOCR_MODELS"); dir && *dir) return {dir};
  std::vector<std::string> dirs;
  if (const auto here = code_dir(); !here.empty()) {
    dirs.push_back((here / CROSSOCR_MODELS_FROM_LIBDIR).lexically_normal().string());
  }
  dirs.push_back(CROSSOCR_INSTALLED_MODELS_DIR);
  return dirs;
}

std::string default_model_path(const std::string& file) {
  for (const std::string& dir : model_search_path()) {
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

std::string recognizer_file(const std::string& path_or_name) {
  const std::filesystem::path p(path_or_name);
  if (path_or_name.empty() || p.has_parent_path() || p.has_extension() || path_or_name == "none") return path_or_name;
  return user_file("XDG_DATA_HOME", ".local/share", "recognizers/" + path_or_name + ".onnx").value_or(path_or_name);
}

std::string adapted_calibration_file(const std::string& recognizer_path) {
  return std::filesystem::path(recognizer_path).replace_extension(".calibration.json").string();
}

}  // namespace crossocr
