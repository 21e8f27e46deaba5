#include "local/model_path.hpp"

#include <cstdlib>
#include <filesystem>

namespace crossocr {

std::string default_model_path(const std::string& file) {
  if (const char* dir = std::getenv("CROSSOCR_MODELS"); dir && *dir) return std::string(dir) + "/" + file;
  const std::string installed = std::string(CROSSOCR_INSTALLED_MODELS_DIR) + "/" + file;
  if (std::filesystem::exists(installed)) return installed;
  return std::string(CROSSOCR_SOURCE_MODELS_DIR) + "/" + file;
}

}  // namespace crossocr
