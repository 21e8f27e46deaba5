#include "local/candidate_choice.hpp"

#include "crossocr/alignment.hpp"

#include <algorithm>
#include <optional>
#include <set>

namespace crossocr {
namespace {

// Candidate `i`'s reading, with its calibrated probability as the confidence.
Reading reading_of(const LineEvidence& evidence, std::size_t i, const Calibration& calibration) {
  Reading out = evidence.candidates[i].reading;
  out.confidence = calibration.probability(candidate_features(evidence, i));
  out.confidence_source = "calibrated";
  return out;
}

// A code of 4-7 characters with every one at least kStripRecognizerSure.
bool sure_code(const Reading& reading) {
  const std::size_t length = reading.text.size();
  return length >= 4 && length <= 7 && weakest_glyph(reading) >= kStripRecognizerSure;
}

bool strip_recognizer_sure(const LineEvidence& evidence, const Reading& chosen) {
  for (const Candidate& c : evidence.candidates) {
    if (c.reader == ReaderKind::kStrip && c.reading.text == chosen.text) return sure_code(c.reading);
  }
  return false;
}

// The candidate of a recogniser adapted to the user's kind, when it is sure of every letter of a
// 4-7 letter code and the calibrated choice differs from it with no second reader behind it. The
// calibration was fitted for the shipped readers: on a kind the line reader never saw, it trusts
// that reader's unsure misreadings (handwritten digits read as `G5€126`, `855 936`) over the
// adapted network the user trained for exactly these images (on such a kind, 64.5% -> 77.0%).
// Another reader reading the calibrated choice too (Tesseract agreeing with the line reader on a
// printed price) keeps it: printed labels stay at 96.0% with that adapted model beside.
std::optional<std::size_t> adapted_reading_over(const LineEvidence& evidence, const std::string& chosen) {
  const auto& candidates = evidence.candidates;
  const auto own = std::find_if(candidates.begin(), candidates.end(), [](const Candidate& c) { return c.adapted; });
  if (own == candidates.end() || own->reading.text == chosen || !sure_code(own->reading)) return std::nullopt;
  std::set<ReaderKind> witnesses;
  for (const Candidate& c : candidates) {
    if (c.reading.text == chosen) witnesses.insert(c.reader);
  }
  if (witnesses.size() >= 2) return std::nullopt;
  return static_cast<std::size_t>(own - candidates.begin());
}

// Tesseract's reading of a line the line reader could not make out. The calibration weighs each
// candidate on its own, and on its generated lines (random codes, heavy damage) two of Tesseract's
// variants agreeing is right only a quarter of the time; but where the line reader is unsure of a
// text no other reader shares, and the variants agree on a text close to it, Tesseract was right
// more often than the line reader on every generated set the thresholds were chosen on (one-line
// labels in faces no reader trained on, tools/training/held-out-fonts.txt: 87.3 -> 89.5%; lines of
// the training sampler in those faces 81.7 -> 82.1%; the calibration's held-out lines 71.5 ->
// 71.7%; multi-line labels 73.0% either way). On labels in faces neither training nor these sets
// used (tools/training/unseen_font_labels.py): one line 72.3 -> 83.0%, several 47 -> 64% (stock
// Tesseract 87.3% and 72%).
constexpr double kLineReaderUnsure = -1.5;  // the line reader's path log-probability
constexpr double kNearReading = 0.2;         // edit distance over the longer text's length

std::optional<std::size_t> tesseract_reading_over(const LineEvidence& evidence, const std::string& chosen) {
  const auto& candidates = evidence.candidates;
  const auto read_chosen = [&](const Candidate& c) { return c.reading.text == chosen; };
  if (std::count_if(candidates.begin(), candidates.end(), read_chosen) != 1) return std::nullopt;
  const auto line = std::find_if(candidates.begin(), candidates.end(), read_chosen);
  if (line->reader != ReaderKind::kLine || line->path_log_probability >= kLineReaderUnsure) return std::nullopt;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    if (c.reader != ReaderKind::kTesseract || c.votes < 2 || c.reading.text.empty()) continue;
    const double longer = static_cast<double>(std::max(c.reading.text.size(), chosen.size()));
    if (static_cast<double>(edit_distance(c.reading.text, chosen)) / longer <= kNearReading) return i;
  }
  return std::nullopt;
}

}  // namespace

double weakest_glyph(const Reading& reading) {
  double weakest = reading.glyphs.empty() ? 0.0 : 1.0;
  for (const Glyph& g : reading.glyphs) weakest = std::min(weakest, g.confidence);
  return weakest;
}

Reading most_probable(const LineEvidence& evidence, const Calibration& calibration) {
  std::size_t best = 0;
  double best_p = -1.0;
  for (std::size_t i = 0; i < evidence.candidates.size(); ++i) {
    const double p = calibration.probability(candidate_features(evidence, i));
    if (p > best_p) best_p = p, best = i;
  }
  const Reading* chosen = &evidence.candidates[best].reading;
  for (const Candidate& c : evidence.candidates) {
    if (c.reading.text == chosen->text && weakest_glyph(c.reading) > weakest_glyph(*chosen)) chosen = &c.reading;
  }
  Reading out = *chosen;
  out.confidence = best_p;
  out.confidence_source = "calibrated";
  return out;
}

bool sure_without_tesseract(const LineEvidence& evidence, const Reading& best) {
  return best.confidence >= kSureWithoutTesseract || strip_recognizer_sure(evidence, best);
}

Reading final_choice(const LineEvidence& evidence, const Calibration& calibration) {
  Reading best = most_probable(evidence, calibration);
  if (const auto own = adapted_reading_over(evidence, best.text)) return reading_of(evidence, *own, calibration);
  if (const auto tesseract = tesseract_reading_over(evidence, best.text)) {
    return reading_of(evidence, *tesseract, calibration);
  }
  return best;
}

}  // namespace crossocr
