#include "crossocr/output.hpp"

#include "crossocr/page_formats.hpp"
#include "format/reading_json.hpp"

namespace crossocr {

std::string_view to_string(Mode mode) {
  switch (mode) {
    case Mode::kLocal: return "local";
    case Mode::kRemote: return "remote";
    case Mode::kVote: return "vote";
  }
  return "unknown";
}

namespace {

nlohmann::ordered_json box_json(const std::optional<cv::Rect>& box) {
  if (!box) return nullptr;
  return {box->x, box->y, box->width, box->height};
}

// The chosen text's lines and words with their boxes ([x, y, width, height], null when the local
// reader gave none), as the page formats lay them out.
nlohmann::ordered_json lines_json(const ImageResult& result) {
  nlohmann::ordered_json lines = nlohmann::ordered_json::array();
  for (const LaidOutLine& line : layout_of(result).lines) {
    nlohmann::ordered_json words = nlohmann::ordered_json::array();
    std::string text;
    for (const LaidOutWord& word : line.words) {
      words.push_back({{"text", word.text}, {"box", box_json(word.box)}, {"confidence", rounded(word.confidence)}});
      text += (text.empty() ? "" : " ") + word.text;
    }
    lines.push_back({{"text", text}, {"box", box_json(line.box)}, {"words", std::move(words)}});
  }
  return lines;
}

}  // namespace

std::string result_to_json(const ImageResult& result) {
  nlohmann::ordered_json j;
  j["file"] = result.file;
  if (result.page > 0) j["page"] = result.page;
  j["mode"] = to_string(result.mode);
  if (result.verdict) {
    const Verdict& v = *result.verdict;
    j["text"] = v.text;
    j["status"] = to_string(v.status);
    j["flagged"] = v.flagged;
    if (!v.reason.empty()) j["reason"] = v.reason;
    j["source"] = v.source;
    j["confidence"] = rounded(v.confidence);
    if (!result.reading.ok()) {
      j["error"] = result.reading.status.message();
      j["error_kind"] = to_string(result.reading.status.code());
    }
    if (result.local) j["local"] = reading_to_json(*result.local);
    if (result.remote) j["remote"] = reading_to_json(*result.remote);
    nlohmann::ordered_json alignment = nlohmann::ordered_json::array();
    for (const AlignedPair& p : v.alignment) {
      static constexpr const char* kOps[] = {"match", "substitute", "insert", "delete"};
      alignment.push_back({{"op", kOps[static_cast<int>(p.op)]}, {"local", p.left}, {"remote", p.right}});
    }
    j["alignment"] = std::move(alignment);
  } else {
    j.update(reading_to_json(result.reading));
    j["flagged"] = result.flag;
    if (!result.flag_reason.empty()) j["reason"] = result.flag_reason;
  }
  if (result.ok()) j["lines"] = lines_json(result);
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

std::string without_control_characters(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n' && c != '\t') || byte == 0x7f) {
      out += "\\x";
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace crossocr
