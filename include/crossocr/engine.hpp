// Engine: anything that turns an image into a Reading. One virtual call, so that readers can be
// composed (local, remote, vote) and constructed directly in tests.
//
// An Engine object is not thread-safe; the runner gives each worker thread its own.
#pragma once

#include "crossocr/reading.hpp"

#include <opencv2/core/mat.hpp>

namespace crossocr {

class Engine {
 public:
  virtual ~Engine() = default;
  // `image` is 8-bit BGR as given by load_image(). Failures are reported in Reading::error.
  virtual Reading read(const cv::Mat& image) = 0;
};

}  // namespace crossocr
