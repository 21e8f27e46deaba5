#include "crossocr/output.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace crossocr {
namespace {

// Three decimals are more than any confidence or latency here is worth, and keep lines short.
double rounded(double x) { return std::round(x * 1000.0) / 1000.0; }

}  // namespace

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::kLocal: return "local";
    case Mode::kRemote: return "remote";
    case Mode::kVote: return "vote";
  }
  return "unknown";
}

std::string result_to_json(const ImageResult& result) {
  const Reading& r = result.reading;
  nlohmann::ordered_json j;
  j["file"] = result.file;
  j["mode"] = to_string(result.mode);
  j["text"] = r.text;
  j["confidence"] = rounded(r.confidence);
  if (!r.ok()) j["error"] = r.error;
  if (!r.variant.empty()) j["variant"] = r.variant;
  j["latency_ms"] = rounded(r.latency_ms);
  nlohmann::ordered_json glyphs = nlohmann::ordered_json::array();
  for (const Glyph& g : r.glyphs) {
    glyphs.push_back({{"text", g.text},
                      {"confidence", rounded(g.confidence)},
                      {"box", {g.box.x, g.box.y, g.box.width, g.box.height}}});
  }
  j["glyphs"] = std::move(glyphs);
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
