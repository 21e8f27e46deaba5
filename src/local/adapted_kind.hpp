// What `crossocr adapt` recorded of the kind a recogniser was adapted to: MODEL.json beside
// MODEL.onnx.
#pragma once

#include <string>

namespace crossocr {

struct AdaptedKind {
  // The characters the kind is written in, when its labels showed its whole alphabet (the rarest
  // of them seen often enough that a missing one would have shown up; tools/adapt_recognizer.py,
  // kind_alphabet); empty when they did not, and for models adapted before it was recorded.
  std::string alphabet;

  // Whether `text` is written in the kind's characters (any text is, without an alphabet).
  bool writes(const std::string& text) const;
};

// The kind of the recogniser at `recognizer_path`; a model without its MODEL.json has none.
// Throws ConfigError naming the file when it is there but unreadable.
AdaptedKind load_adapted_kind(const std::string& recognizer_path);

}  // namespace crossocr
