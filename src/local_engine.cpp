#include "crossocr/local_engine.hpp"

#include "glyph_case.hpp"
#include "strip_recognizer.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

namespace crossocr {
namespace {

// Measures Glyph::ink_height: the rows between the first and last dark pixel in the glyph's
// columns of the variant that was read, in the original image's pixels. Only for glyphs that stand
// alone: where boxes overlap (joined or tightly set letters) the columns hold a neighbour's ink.
void measure_ink_heights(Reading& reading, const Variant& variant) {
  std::vector<Glyph>& glyphs = reading.glyphs;
  const cv::Mat ink = variant.image == 0;
  for (std::size_t i = 0; i < glyphs.size(); ++i) {
    const cv::Rect& box = glyphs[i].box;
    const bool overlaps = (i > 0 && glyphs[i - 1].box.br().x > box.x) ||
                          (i + 1 < glyphs.size() && box.br().x > glyphs[i + 1].box.x);
    if (overlaps) continue;
    const int x0 = static_cast<int>(box.x * variant.scale) + variant.offset;
    const int x1 = static_cast<int>(box.br().x * variant.scale) + variant.offset;
    const cv::Rect columns = cv::Rect(x0, 0, std::max(1, x1 - x0), ink.rows) &
                             cv::Rect(0, 0, ink.cols, ink.rows);
    if (columns.empty()) continue;
    cv::Mat rows;
    cv::reduce(ink(columns), rows, 1, cv::REDUCE_MAX);
    std::vector<cv::Point> inked;
    cv::findNonZero(rows, inked);
    if (!inked.empty()) glyphs[i].ink_height = (inked.back().y - inked.front().y + 1) / variant.scale;
  }
}

// How probable the recogniser's weakest character must be for its reading to stand without
// Tesseract (sure), or over Tesseract readings that disagree among themselves (trust). Chosen on
// the shared sets: a lower "sure" hands small, clean page numbers to the recogniser, which reads
// them worse than Tesseract (at 0.5 this model read the bold `432` as `13q2`, weakest 0.55); a
// higher one, or a "trust" above 0.3, costs the CAPTCHA sets points for nothing elsewhere (0.6 or
// 0.65 rather than 0.5: svg-captcha -1.5, svg-captcha-upper -0.5, the rest within one strip).
constexpr double kRecognizerSure = 0.65;
constexpr double kRecognizerTrust = 0.2;

Reading finished(Reading reading, std::chrono::steady_clock::time_point start) {
  reading.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return reading;
}

// The recogniser was trained mostly on 4-6 letters and digits (a seventh may be a letter split
// in two; 3 and 8 were seen only in its last two stages, not enough to trust them alone).
// Other readings are lines of text, page numbers (it reads "410" as "41o": without a longer
// line, digit 0 and letter o differ in nothing it can see) or noise: Tesseract reads them better.
bool in_recognizer_domain(const Reading& reading) {
  return reading.ok() && reading.text.size() >= 4 && reading.text.size() <= 7;
}

double weakest_glyph(const Reading& reading) {
  double weakest = reading.glyphs.empty() ? 0.0 : 1.0;
  for (const Glyph& g : reading.glyphs) weakest = std::min(weakest, g.confidence);
  return weakest;
}

}  // namespace

LocalEngine::LocalEngine(const LocalOptions& options)
    : options_(options), tesseract_(options.tesseract) {
  if (options_.recognizer_path != "none") {
    recognizer_ = StripRecognizer::load(options_.recognizer_path.empty() ? default_recognizer_path()
                                                                         : options_.recognizer_path);
  }
}

Reading LocalEngine::read(const LoadedImage& image) {
  const auto start = std::chrono::steady_clock::now();
  PreprocessOptions preprocessing = options_.preprocess;
  if (preprocessing.layout == Layout::kAuto) preprocessing.layout = detect_layout(image.pixels);
  // Made when first needed: a sure recogniser reading often needs no variant at all.
  std::optional<Preprocessed> prepared;
  const auto variants = [&]() -> const Preprocessed& {
    if (!prepared) prepared = preprocess(image.pixels, preprocessing);
    return *prepared;
  };
  if (!preprocessing.debug_dir.empty()) variants();  // every step's image was asked for

  // On strips the recogniser reads first, in about a millisecond, from the image itself: when
  // fairly sure, that is the reading. Otherwise Tesseract reads the variants: its own confidences
  // say little on strips (a weakest glyph of 95+ is right only half the time), but two readings
  // of the same text, the recogniser's included, almost always are right, so reading stops there.
  std::map<std::string, int> seen;
  std::optional<Reading> recognized;
  double sureness = 0.0;
  if (recognizer_ && preprocessing.layout == Layout::kStrip) {
    recognized = recognizer_->read(image.pixels, options_.tesseract.charset);
    sureness = in_recognizer_domain(*recognized) ? weakest_glyph(*recognized) : 0.0;
    if (sureness >= kRecognizerSure) return finished(std::move(*recognized), start);
    ++seen[recognized->text];
  }

  std::vector<Reading> readings;
  bool agreed = false;
  int tesseract_reads = 0;
  for (const Variant& variant : variants().variants) {
    if (tesseract_reads++ >= options_.max_reads) break;
    Reading candidate = tesseract_.recognize(variant, preprocessing.layout);
    if (!candidate.ok()) continue;
    agreed = ++seen[candidate.text] >= 2;
    readings.push_back(std::move(candidate));
    if (agreed) break;
  }
  // Tesseract's variants disagreeing among themselves: the recogniser, unless it is lost too.
  // Otherwise Tesseract's vote stands: it reads plain text and words better.
  if (recognized && !agreed && sureness >= kRecognizerTrust) {
    return finished(std::move(*recognized), start);
  }
  Reading best;
  if (readings.empty()) {
    best.engine = "local";
    best.error = "Tesseract could not read any preprocessed variant";
  } else {
    // Reading stopped at the first text read twice; without one, every reading differs and the
    // most confident stands.
    best = agreed ? readings.back()
                  : *std::max_element(readings.begin(), readings.end(),
                                      [](const Reading& a, const Reading& b) {
                                        return a.confidence < b.confidence;
                                      });
    if (preprocessing.layout == Layout::kStrip) {
      for (const Variant& v : variants().variants) {
        if (v.name == best.variant) measure_ink_heights(best, v);
      }
      correct_case_by_size(best, options_.tesseract.charset);
    }
  }
  return finished(std::move(best), start);
}

}  // namespace crossocr
