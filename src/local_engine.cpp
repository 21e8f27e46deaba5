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

// How probable the recogniser's weakest character must be for its reading to win over Tesseract
// readings that disagree among themselves (trust), or that agree (sure). Chosen on the shared sets
// as the pair that raised xor-strips (43% -> 71%) and keras-captcha (1% -> 12%) without costing
// documents anything and swust-login (case-insensitive) 1.4 points. Lower "sure" values gain a
// few more xor-strips but let a confident misreading override Tesseract's agreement.
constexpr double kRecognizerTrust = 0.5;
constexpr double kRecognizerSure = 0.98;

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
  const Preprocessed prepared = preprocess(image.pixels, options_.preprocess);

  // Tesseract's own confidences say little on strips (a weakest glyph of 95+ is right only half
  // the time), but two readings of the same text almost always are right: reading stops there.
  // The recogniser reads the image as it is, in about a millisecond, so it votes first.
  std::vector<Reading> readings;
  std::map<std::string, int> seen;
  std::optional<Reading> recognized;
  if (recognizer_ && prepared.layout == Layout::kStrip && options_.tesseract.charset.empty()) {
    recognized = recognizer_->read(image.pixels);
    ++seen[recognized->text];
  }
  bool agreed = false;
  int tesseract_reads = 0;
  for (const Variant& variant : prepared.variants) {
    if (tesseract_reads++ >= options_.max_reads) break;
    Reading candidate = tesseract_.recognize(variant, prepared.layout);
    if (!candidate.ok()) continue;
    agreed = ++seen[candidate.text] >= 2;
    readings.push_back(std::move(candidate));
    if (agreed) break;
  }
  // Without any agreement, Tesseract's variants disagree among themselves: the recogniser, when
  // fairly sure of every character, is the better guess on CAPTCHA-like strips (70% against 43%
  // exact on xor-strips); when very sure, it is even against an agreement. Otherwise Tesseract's
  // vote stands: it reads plain text and words better.
  const double sureness = recognized && recognized->ok() ? weakest_glyph(*recognized) : 0.0;
  if (sureness >= kRecognizerSure || (!agreed && sureness >= kRecognizerTrust)) {
    recognized->latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return *recognized;
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
    if (prepared.layout == Layout::kStrip) {
      for (const Variant& v : prepared.variants) {
        if (v.name == best.variant) measure_ink_heights(best, v);
      }
      correct_case_by_size(best);
    }
  }
  best.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return best;
}

}  // namespace crossocr
