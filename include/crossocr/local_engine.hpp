// LocalEngine: the offline reader. Preprocesses an image into candidate variants and reads them
// with Tesseract until some text has been read twice (a local vote); on strips a CNN
// (StripRecognizer) reads first and stands when sure, and otherwise votes with Tesseract.
// Not thread-safe: one per thread.
#pragma once

#include "crossocr/engine.hpp"
#include "crossocr/preprocessor.hpp"
#include "crossocr/tesseract_engine.hpp"

#include <memory>
#include <string>

namespace crossocr {

class StripRecognizer;  // internal: src/strip_recognizer.hpp

struct LocalOptions {
  PreprocessOptions preprocess;
  TesseractOptions tesseract;
  // Most Tesseract reads per image; reading stops earlier when two readings agree.
  int max_reads = 3;
  // The strip recogniser (ONNX); empty: models/strip_recognizer.onnx where installed or built;
  // "none": Tesseract only.
  std::string recognizer_path;
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
  std::shared_ptr<StripRecognizer> recognizer_;  // null when there is none
};

}  // namespace crossocr
