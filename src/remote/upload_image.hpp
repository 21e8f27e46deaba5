// Prepares an image for a chat-completions request: the original file when the provider accepts
// its format and size, otherwise a re-encoding, downscaled only when nothing else fits.
#pragma once

#include "crossocr/image_loader.hpp"

#include <cstdint>
#include <string>

namespace crossocr::remote {

struct UploadLimits {
  std::uint64_t max_base64_bytes = 4'000'000;  // Groq: 4 MB of base64 per request
  std::uint64_t max_pixels = 33'177'600;       // Groq: 33 megapixels per image
};

struct UploadImage {
  std::string data_url;     // data:image/...;base64,...
  std::string mime;
  bool reencoded = false;
  bool downscaled = false;
  std::string error;
};

UploadImage prepare_upload(const LoadedImage& image, const UploadLimits& limits = {});

}  // namespace crossocr::remote
