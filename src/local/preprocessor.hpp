// Preprocessing: turns a photo-like image into binarised variants that Tesseract reads well.
// Pure functions of the image and the options; no shared state.
#pragma once

#include "crossocr/options.hpp"

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace crossocr {

// One candidate binarisation: dark text on white, 8-bit single channel.
struct Variant {
  std::string name;    // e.g. "polarity", "otsu"
  cv::Mat image;
  double scale = 1.0;  // image size / original size, to map glyph boxes back
  int offset = 0;      // border added on each side after scaling, in pixels of `image`
};

struct Preprocessed {
  Layout layout = Layout::kStrip;
  std::vector<Variant> variants;  // most promising first
};

Layout detect_layout(const cv::Mat& bgr);

Preprocessed preprocess(const cv::Mat& bgr, const PreprocessOptions& options = {});

}  // namespace crossocr
