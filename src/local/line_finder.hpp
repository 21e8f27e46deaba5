// LineFinder: splits a short image holding several lines of text (a label, an address) into its
// lines, so each can be read as one line. Pure function of the image.
#pragma once

#include <opencv2/core/mat.hpp>

#include <vector>

namespace crossocr {

// One line: where it lies in the image, and its pixels with any of its neighbours' ink that
// reaches into those rows painted over.
struct TextLine {
  cv::Rect bounds;
  cv::Mat pixels;
};

struct TextLines {
  cv::Mat image;                // the image, deskewed when it was skewed (else the input itself)
  double skew_degrees = 0.0;    // the rotation applied
  std::vector<TextLine> lines;  // top to bottom; one or none when the image is not several lines
};

TextLines find_text_lines(const cv::Mat& bgr);

}  // namespace crossocr
