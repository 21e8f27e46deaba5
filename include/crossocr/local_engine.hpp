// LocalEngine: the offline reader. Preprocesses an image into candidate variants, reads each with
// Tesseract and keeps the most confident reading, stopping early once a reading is confident.
// Not thread-safe: one per thread.
#pragma once

#include "crossocr/engine.hpp"
#include "crossocr/preprocessor.hpp"
#include "crossocr/tesseract_engine.hpp"

#include <string>

namespace crossocr {

struct LocalOptions {
  PreprocessOptions preprocess;
  TesseractOptions tesseract;
  // A variant whose every glyph is at least this confident ends the search (saves the cost of
  // reading the remaining variants).
  double early_stop_confidence = 0.90;
};

class LocalEngine : public Engine {
 public:
  explicit LocalEngine(const LocalOptions& options);  // throws ConfigError
  Reading read(const LoadedImage& image) override;

  // Names the debug images of the next read (see PreprocessOptions::debug_dir).
  void set_debug_name(std::string name) { options_.preprocess.debug_name = std::move(name); }

 private:
  LocalOptions options_;
  TesseractEngine tesseract_;
};

}  // namespace crossocr
