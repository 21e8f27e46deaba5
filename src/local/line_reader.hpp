// LineReader: a convolutional network with CTC (models/line_reader.onnx, trained by
// tools/train_line_reader.py on generated lines only) that reads one line of ordinary text:
// printable ASCII with space and a few symbols, printed or photographed, either polarity.
// Run by ConvNet (oneDNN) at the line's own width. Not thread-safe: one per thread.
#pragma once

#include "local/ctc_decoder.hpp"

#include <opencv2/core/mat.hpp>

#include <memory>
#include <string>

namespace crossocr {

class LineReader {
 public:
  // Nothing when the file does not exist; throws ConfigError when it exists but cannot be loaded
  // or its side file (the same name with .json: the character set) is missing or malformed.
  static std::unique_ptr<LineReader> load(const std::string& onnx_path);
  ~LineReader();

  // `charset`, when not empty, is the only characters the reading may hold.
  NetworkReading read(const cv::Mat& bgr, const std::string& charset = {});

 private:
  LineReader();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// models/line_reader.onnx where installed or built (see default_model_path).
std::string default_line_reader_path();

}  // namespace crossocr
