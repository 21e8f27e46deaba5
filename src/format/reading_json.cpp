#include "format/reading_json.hpp"

#include <cmath>

namespace crossocr {

double rounded(double x) { return std::round(x * 1000.0) / 1000.0; }

namespace {

// The code a stored error_kind names; an unknown or missing kind is an engine failure.
StatusCode code_named(std::string_view name) {
  for (StatusCode c : {StatusCode::kIo, StatusCode::kDecode, StatusCode::kLimit, StatusCode::kEngine,
                       StatusCode::kRemoteConfig, StatusCode::kRemoteTransient,
                       StatusCode::kRemoteUnavailable, StatusCode::kConfig}) {
    if (to_string(c) == name) return c;
  }
  return StatusCode::kEngine;
}

}  // namespace

nlohmann::ordered_json reading_to_json(const Reading& r) {
  nlohmann::ordered_json j;
  j["engine"] = r.engine;
  j["text"] = r.text;
  j["confidence"] = rounded(r.confidence);
  if (!r.confidence_source.empty()) j["confidence_source"] = r.confidence_source;
  if (!r.ok()) {
    j["error"] = r.status.message();
    j["error_kind"] = to_string(r.status.code());
  }
  if (!r.note.empty()) j["note"] = r.note;
  if (!r.variant.empty()) j["variant"] = r.variant;
  if (!r.recognizer.empty()) j["recognizer"] = r.recognizer;
  j["latency_ms"] = rounded(r.latency_ms);
  if (r.engine == "remote") {
    const RemoteDetails& d = r.remote;
    j["remote"] = {{"raw_answer", d.raw_answer},
                   {"model", d.model},
                   {"finish_reason", d.finish_reason},
                   {"request_id", d.request_id},
                   {"prompt_tokens", d.prompt_tokens},
                   {"completion_tokens", d.completion_tokens},
                   {"attempts", d.attempts},
                   {"samples", d.samples},
                   {"from_cache", d.from_cache}};
  }
  nlohmann::ordered_json glyphs = nlohmann::ordered_json::array();
  for (const Glyph& g : r.glyphs) {
    glyphs.push_back({{"text", g.text},
                      {"confidence", rounded(g.confidence)},
                      {"box", {g.box.x, g.box.y, g.box.width, g.box.height}}});
    if (g.ink_height > 0) glyphs.back()["ink_height"] = rounded(g.ink_height);
    if (!g.alternatives.empty()) {
      auto& alternatives = glyphs.back()["alternatives"] = nlohmann::ordered_json::array();
      for (const GlyphChoice& c : g.alternatives) {
        alternatives.push_back({{"text", c.text}, {"confidence", rounded(c.confidence)}});
      }
    }
  }
  if (!glyphs.empty() || r.engine != "remote") j["glyphs"] = std::move(glyphs);
  return j;
}

Reading reading_from_json(const nlohmann::json& j) {
  Reading r;
  r.engine = j.value("engine", "");
  r.text = j.value("text", "");
  r.confidence = j.value("confidence", 0.0);
  r.confidence_source = j.value("confidence_source", "");
  if (const std::string error = j.value("error", ""); !error.empty()) {
    r.status = Status(code_named(j.value("error_kind", "")), error);
  }
  r.note = j.value("note", "");
  r.variant = j.value("variant", "");
  r.recognizer = j.value("recognizer", "");
  r.latency_ms = j.value("latency_ms", 0.0);
  if (const auto d = j.find("remote"); d != j.end() && d->is_object()) {
    r.remote.raw_answer = d->value("raw_answer", "");
    r.remote.model = d->value("model", "");
    r.remote.finish_reason = d->value("finish_reason", "");
    r.remote.request_id = d->value("request_id", "");
    r.remote.prompt_tokens = d->value("prompt_tokens", 0L);
    r.remote.completion_tokens = d->value("completion_tokens", 0L);
    r.remote.attempts = d->value("attempts", 0);
    r.remote.samples = d->value("samples", 0);
    r.remote.from_cache = d->value("from_cache", false);
  }
  if (const auto g = j.find("glyphs"); g != j.end() && g->is_array()) {
    for (const auto& glyph : *g) {
      Glyph out;
      out.text = glyph.value("text", "");
      out.confidence = glyph.value("confidence", 0.0);
      out.ink_height = glyph.value("ink_height", 0.0);
      if (const auto a = glyph.find("alternatives"); a != glyph.end() && a->is_array()) {
        for (const auto& c : *a) {
          out.alternatives.push_back({c.value("text", ""), c.value("confidence", 0.0)});
        }
      }
      if (const auto b = glyph.find("box"); b != glyph.end() && b->is_array() && b->size() == 4) {
        out.box = cv::Rect((*b)[0], (*b)[1], (*b)[2], (*b)[3]);
      }
      r.glyphs.push_back(std::move(out));
    }
  }
  return r;
}

}  // namespace crossocr
