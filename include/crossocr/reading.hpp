// Reading: what one engine made of one image. A plain value type, safe to copy across threads.
#pragma once

#include "crossocr/status.hpp"

#include <opencv2/core/types.hpp>

#include <string>
#include <vector>

namespace crossocr {

// Another character a reader weighed for a glyph's place, with its probability.
struct GlyphChoice {
  std::string text;
  double confidence = 0.0;
};

// One recognised character: its UTF-8 text, the engine's confidence in [0, 1] and its box in the
// coordinates of the image as loaded (before any scaling done by preprocessing).
struct Glyph {
  std::string text;
  double confidence = 0.0;
  cv::Rect box;
  // Height of the glyph's own ink, in the image's pixels, when the glyph stands alone (its box
  // overlaps no neighbour's); 0 when unknown. Tells c/C, s/S, ... apart.
  double ink_height = 0.0;
  // The runners-up, most probable first (at most three; empty when the reader gives none).
  std::vector<GlyphChoice> alternatives{};
};

// What a remote reading adds: where the answer came from and what it cost.
struct RemoteDetails {
  std::string raw_answer;     // the model's answer before wrapping was removed
  std::string model;
  std::string finish_reason;  // "stop"; "length" means the answer was cut at max_tokens
  std::string request_id;
  long prompt_tokens = 0;
  long completion_tokens = 0;
  int attempts = 0;           // HTTP requests made, retries included (0 when from the cache)
  int samples = 0;            // answers combined into this reading
  bool from_cache = false;
};

struct Reading {
  std::string engine;       // "local", "remote", ...
  std::string text;         // what was read, UTF-8; lines separated by '\n'
  double confidence = 0.0;  // [0, 1]: local, the calibrated probability that the text is exactly right
  std::string confidence_source;  // "glyphs", "logprobs", "samples" or "prior"
  std::vector<Glyph> glyphs;
  std::string variant;      // which preprocessing variant produced the text (local engine)
  std::string recognizer;   // local: the strip recogniser it had, "shipped" or as --recognizer named it
  double latency_ms = 0.0;
  RemoteDetails remote;     // filled by remote engines only
  Status status;            // why the engine could not read the image; ok when it could
  // Why a reading that succeeded is still doubtful in itself (e.g. nothing was read although the
  // image holds ink); empty otherwise. Such a reading is always flagged.
  std::string note;

  bool ok() const { return status.ok(); }
};

}  // namespace crossocr
