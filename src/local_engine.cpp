#include "crossocr/local_engine.hpp"

#include <chrono>

namespace crossocr {
namespace {

// The weakest glyph decides whether a reading can be trusted: one doubtful character makes the
// whole string doubtful.
double weakest_glyph(const Reading& reading) {
  double weakest = reading.glyphs.empty() ? 0.0 : 1.0;
  for (const Glyph& g : reading.glyphs) weakest = std::min(weakest, g.confidence);
  return weakest;
}

}  // namespace

LocalEngine::LocalEngine(const LocalOptions& options)
    : options_(options), tesseract_(options.tesseract) {}

Reading LocalEngine::read(const LoadedImage& image) {
  const auto start = std::chrono::steady_clock::now();
  const Preprocessed prepared = preprocess(image.pixels, options_.preprocess);

  Reading best;
  bool have_best = false;
  for (const Variant& variant : prepared.variants) {
    Reading candidate = tesseract_.recognize(variant, prepared.layout);
    if (!candidate.ok()) continue;
    if (!have_best || candidate.confidence > best.confidence) {
      best = std::move(candidate);
      have_best = true;
    }
    if (weakest_glyph(best) >= options_.early_stop_confidence) break;
  }
  if (!have_best) {
    best.engine = "local";
    best.error = "Tesseract could not read any preprocessed variant";
  }
  best.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return best;
}

}  // namespace crossocr
