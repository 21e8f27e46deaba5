// ConfigError: misconfiguration (missing Tesseract data, an unknown language, a bad option) is the
// one failure that stops a whole run, thrown only by Reader::open, evaluate and calibrate:
// nothing can be read until the user changes something. Everything that belongs to a single image
// is reported in that image's result as a Status (status.hpp) instead.
#pragma once

#include <stdexcept>
#include <string>

namespace crossocr {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace crossocr
