// Image files in and out through Leptonica, which Tesseract already loads. OpenCV's imgcodecs
// would bring about 120 more shared libraries (GDAL, GDCM, HEIF...) that cost every run a
// quarter of a second to load and decode formats crossocr does not read.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace crossocr {

// Leptonica prints nothing from here on (crossocr's own line names the file instead), and a
// decode during which it would have complained gives no image. Process-wide; call before decoding.
void keep_leptonica_quiet();

// 8-bit BGR, whatever the file held: grey, 1-bit, colour-mapped, 16-bit (scaled down), or with
// alpha (flattened onto white, what a viewer shows behind a transparent ground and what
// Tesseract expects around dark text). A JPEG is turned upright by its EXIF orientation.
// Empty when the bytes cannot be decoded.
cv::Mat decode_pixels(std::span<const std::uint8_t> bytes);

// Page `index` (0-based) of a multi-page TIFF, as decode_pixels gives an image; empty when the
// page cannot be decoded.
cv::Mat decode_tiff_page(std::span<const std::uint8_t> bytes, int index);

// The EXIF orientation (1-8) a JPEG declares, 1 when it declares none or is not a JPEG.
int exif_orientation(std::span<const std::uint8_t> bytes);
// `image` as it is meant to be seen given an EXIF orientation.
cv::Mat apply_orientation(const cv::Mat& image, int orientation);

// 8-bit grey or BGR pixels as a PNG or JPEG file's bytes; empty on failure.
std::vector<std::uint8_t> encode_png(const cv::Mat& image);
std::vector<std::uint8_t> encode_jpeg(const cv::Mat& image, int quality);
// Writes `image` as a PNG file; false when it cannot.
bool write_png(const std::string& path, const cv::Mat& image);

}  // namespace crossocr
