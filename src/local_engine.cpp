#include "crossocr/local_engine.hpp"

#include "glyph_case.hpp"

#include <opencv2/core.hpp>

#include <chrono>
#include <map>

namespace crossocr {
namespace {

// The reading most variants agree on; among readings without a majority, the most confident.
Reading local_vote(std::vector<Reading>& readings) {
  std::map<std::string, int> votes;
  for (const Reading& r : readings) ++votes[r.text];
  auto better = [&](const Reading& a, const Reading& b) {
    if (votes[a.text] != votes[b.text]) return votes[a.text] > votes[b.text];
    return a.confidence > b.confidence;
  };
  return *std::min_element(readings.begin(), readings.end(), better);
}

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

}  // namespace

LocalEngine::LocalEngine(const LocalOptions& options)
    : options_(options), tesseract_(options.tesseract) {}

Reading LocalEngine::read(const LoadedImage& image) {
  const auto start = std::chrono::steady_clock::now();
  const Preprocessed prepared = preprocess(image.pixels, options_.preprocess);

  // Variants come most promising first. Tesseract's own confidences say little on strips (a
  // weakest glyph of 95+ is right only half the time), but two variants that read the same text
  // almost always read it right: stop there.
  std::vector<Reading> readings;
  std::map<std::string, int> seen;
  for (const Variant& variant : prepared.variants) {
    if (static_cast<int>(readings.size()) >= options_.max_reads) break;
    Reading candidate = tesseract_.recognize(variant, prepared.layout);
    if (!candidate.ok()) continue;
    const bool agreed = ++seen[candidate.text] >= 2;
    readings.push_back(std::move(candidate));
    if (agreed) break;
  }
  Reading best;
  if (readings.empty()) {
    best.engine = "local";
    best.error = "Tesseract could not read any preprocessed variant";
  } else {
    best = local_vote(readings);
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
