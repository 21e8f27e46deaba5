// LocalEngine: the offline reader. Preprocesses an image into candidate variants, reads them with
// Tesseract until two agree, and keeps the reading most variants agree on (a local vote).
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
  // Most variants read per image; reading stops earlier when two variants agree.
  int max_reads = 3;
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
