#include "user_paths.hpp"

#include <cstdlib>

namespace crossocr {

std::optional<std::string> user_file(const char* xdg_variable, const char* home_relative,
                                     const std::string& file) {
  if (const char* xdg = std::getenv(xdg_variable); xdg && *xdg) {
    return std::string(xdg) + "/crossocr/" + file;
  }
  if (const char* home = std::getenv("HOME"); home && *home) {
    return std::string(home) + "/" + home_relative + "/crossocr/" + file;
  }
  return std::nullopt;
}

}  // namespace crossocr
