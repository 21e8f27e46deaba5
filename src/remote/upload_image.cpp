#include "remote/upload_image.hpp"

#include "image/pix_codec.hpp"
#include "remote/digest.hpp"

#include <opencv2/imgproc.hpp>

#include <cmath>

namespace crossocr::remote {
namespace {

std::uint64_t base64_size(std::uint64_t bytes) { return 4 * ((bytes + 2) / 3); }

// Formats every OpenAI-compatible vision endpoint takes as they are.
bool accepted_as_is(const std::string& mime) {
  return mime == "image/png" || mime == "image/jpeg" || mime == "image/webp";
}

UploadImage as_data_url(const std::string& mime, std::span<const std::uint8_t> bytes) {
  UploadImage u;
  u.mime = mime;
  u.data_url = "data:" + mime + ";base64," + base64_encode(bytes);
  return u;
}

}  // namespace

UploadImage prepare_upload(const LoadedImage& image, const UploadLimits& limits) {
  if (!image.ok() || image.pixels.empty()) return UploadImage{{}, {}, false, false, "no image"};
  const auto pixels = static_cast<std::uint64_t>(image.pixels.total());
  if (accepted_as_is(image.mime) && pixels <= limits.max_pixels &&
      base64_size(image.encoded.size()) <= limits.max_base64_bytes) {
    return as_data_url(image.mime, image.encoded);
  }

  // Lossless first; JPEG and then smaller sizes only when the limit leaves no choice.
  cv::Mat pixels_to_send = image.pixels;
  bool downscaled = false;
  if (pixels > limits.max_pixels) {
    const double f = std::sqrt(static_cast<double>(limits.max_pixels) / pixels) * 0.99;
    cv::resize(image.pixels, pixels_to_send, {}, f, f, cv::INTER_AREA);
    downscaled = true;
  }
  for (int round = 0; round < 12; ++round) {
    const bool png = round == 0 && !downscaled;
    const std::vector<std::uint8_t> bytes = png ? encode_png(pixels_to_send) : encode_jpeg(pixels_to_send, 92);
    if (bytes.empty()) return UploadImage{{}, {}, true, downscaled, "the image cannot be encoded as PNG or JPEG"};
    const std::uint64_t size = base64_size(bytes.size());
    if (size <= limits.max_base64_bytes) {
      UploadImage u = as_data_url(png ? "image/png" : "image/jpeg", bytes);
      u.reencoded = true;
      u.downscaled = downscaled;
      return u;
    }
    if (round > 0) {
      const double f = std::sqrt(static_cast<double>(limits.max_base64_bytes) / size) * 0.9;
      cv::resize(pixels_to_send, pixels_to_send, {}, f, f, cv::INTER_AREA);
      downscaled = true;
    }
  }
  return UploadImage{{}, {}, true, true, "image cannot be made small enough for the provider"};
}

}  // namespace crossocr::remote
