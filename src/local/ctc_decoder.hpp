// Greedy CTC decoding shared by the local networks (the strip recogniser and the line reader):
// the best class per step, repeats merged, blanks dropped. Pure functions, no state.
#pragma once

#include "crossocr/reading.hpp"

#include <string>
#include <utility>
#include <vector>

namespace crossocr {

struct CtcDecoded {
  std::vector<Glyph> glyphs;                    // text, confidence and runners-up; no boxes yet
  std::vector<std::pair<int, int>> step_spans;  // each glyph's first and last step
  // Log-probability of the whole greedy path (every step, blanks included): how sure the network
  // is of this exact text, not only of its weakest letter.
  double path_log_probability = 0.0;
};

// A network's reading with what calibration needs beside it.
struct NetworkReading {
  Reading reading;
  double path_log_probability = 0.0;  // see CtcDecoded
};

// `logits`: classes x steps, row-major (class 0 is the blank, class k is symbols[k - 1]).
// `allowed`, when not empty, has one flag per class: a step takes its best allowed class, so a
// restriction changes letters rather than dropping them.
CtcDecoded ctc_greedy_decode(const float* logits, int classes, int steps,
                             const std::vector<std::string>& symbols,
                             const std::vector<bool>& allowed = {});

// The flags for ctc_greedy_decode's `allowed` that keep only symbols made of `charset`'s
// characters (UTF-8 aware); empty when `charset` is empty (everything allowed).
std::vector<bool> classes_within(const std::vector<std::string>& symbols, const std::string& charset);

// CTC places a character in a step or two, it does not outline it: a glyph's box runs from
// halfway after the previous glyph's steps to halfway before the next one's, full height. `x0`
// and `step_width` map steps to the image's columns.
void place_glyph_boxes(std::vector<Glyph>& glyphs, const std::vector<std::pair<int, int>>& step_spans,
                       double step_width, double x0, cv::Size image);

// A network's reading from its decoded glyphs: boxes placed in the image (see place_glyph_boxes),
// text and mean glyph confidence, the path probability kept for calibration.
NetworkReading network_reading(CtcDecoded decoded, double step_width, double x0, cv::Size image,
                               const std::string& variant);

}  // namespace crossocr
