// Preprocessing: turns a photo-like image into binarised variants that Tesseract reads well.
// Pure functions of the image and the options; no shared state.
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace crossocr {

// What kind of image we are looking at decides segmentation and how hard to clean.
enum class Layout {
  kAuto,   // decided from the image's size and shape
  kStrip,  // one short line of text: codes, labels, CAPTCHA-like strips
  kPage,   // a document page or a block of several lines
};

struct PreprocessOptions {
  Layout layout = Layout::kAuto;
  int target_cap_height = 32;  // pixels; Tesseract's LSTM reads 20-35 px capitals best
  bool deskew = true;
  int border = 12;             // white margin added around strips; Tesseract dislikes tight crops
  std::string debug_dir;       // when set, every step is written there as PNG
  std::string debug_name;      // file stem for the debug images
};

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
