#include "crossocr/output.hpp"

#include "reading_json.hpp"

namespace crossocr {

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::kLocal: return "local";
    case Mode::kRemote: return "remote";
    case Mode::kVote: return "vote";
  }
  return "unknown";
}

std::string result_to_json(const ImageResult& result) {
  nlohmann::ordered_json j;
  j["file"] = result.file;
  j["mode"] = to_string(result.mode);
  j.update(reading_to_json(result.reading));
  // Invalid UTF-8 from a file name must not abort output: replace, do not throw.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}
std::string escape_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace crossocr
