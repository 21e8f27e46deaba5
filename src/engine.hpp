// Engine: anything that turns an image into a Reading. One virtual call, so that readers can be
// composed (local, remote, vote) and constructed directly in tests.
//
// An Engine object is not thread-safe; the runner gives each worker thread its own.
#pragma once

#include "crossocr/image_loader.hpp"
#include "crossocr/reading.hpp"

namespace crossocr {

class Engine {
 public:
  virtual ~Engine() = default;
  // `image` as given by load_image(): its pixels, and the encoded file for engines that send it
  // on. Failures are reported in Reading::error.
  virtual Reading read(const LoadedImage& image) = 0;
};

}  // namespace crossocr
