#include "crossocr/local_engine.hpp"

#include "glyph_case.hpp"

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
    if (prepared.layout == Layout::kStrip) correct_case_by_size(best);
  }
  best.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return best;
}

}  // namespace crossocr
