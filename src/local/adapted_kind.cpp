#include "local/adapted_kind.hpp"

#include "crossocr/errors.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace crossocr {

bool AdaptedKind::writes(const std::string& text) const {
  return alphabet.empty() || text.find_first_not_of(alphabet) == std::string::npos;
}

AdaptedKind load_adapted_kind(const std::string& recognizer_path) {
  const std::string path = std::filesystem::path(recognizer_path).replace_extension(".json").string();
  AdaptedKind kind;
  std::ifstream in(path);
  if (!in) return kind;
  try {
    const nlohmann::json meta = nlohmann::json::parse(in);
    if (const auto it = meta.find("alphabet"); it != meta.end() && it->is_string()) {
      kind.alphabet = it->get<std::string>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("the adapted recogniser's metadata " + path + " is unusable: " + e.what());
  }
  return kind;
}

}  // namespace crossocr
