// StripRecognizer: a small convolutional network with CTC (models/strip_recognizer.onnx, trained by
// tools/train_recognizer.py on generated strips only), run by ConvNet (oneDNN). Reads one short
// line of 0-9 A-Z a-z; another voter beside Tesseract for strips. Not thread-safe: one per thread.
#pragma once

#include "crossocr/reading.hpp"
#include "local/ctc_decoder.hpp"

#include <opencv2/core/mat.hpp>

#include <memory>
#include <string>

namespace crossocr {

class StripRecognizer {
 public:
  // Nothing when the file does not exist; throws ConfigError when it exists but cannot be loaded.
  static std::unique_ptr<StripRecognizer> load(const std::string& onnx_path);
  ~StripRecognizer();

  // `charset`, when not empty, is the only characters the reading may hold: the best allowed
  // class is taken at each step, so a restriction changes the reading rather than dropping letters.
  NetworkReading read(const cv::Mat& bgr, const std::string& charset = {});
  // The reading most of five agree on: the strip as drawn and shifted two pixels left and right,
  // scaled 5% down and up (the drawn strip's reading on a tie; boxes in the strip's pixels).
  // Five passes instead of one: for a network adapted on a few hundred images, whose single
  // readings turn on a pixel or two.
  NetworkReading read_by_majority(const cv::Mat& bgr, const std::string& charset = {});

 private:
  StripRecognizer();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Where the model is looked for: $CROSSOCR_MODELS, the installed share folder, the source tree.
std::string default_recognizer_path();

}  // namespace crossocr
