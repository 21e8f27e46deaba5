// Image loading with limits checked before the pixels are decoded, so a small file that declares
// an enormous canvas is refused instead of allocated. Thread-safe (no shared state).
#pragma once

#include "crossocr/status.hpp"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace crossocr {

struct ImageLimits {
  std::uint64_t max_file_bytes = 64ull << 20;  // 64 MiB of encoded image
  std::uint64_t max_pixels = 64ull << 20;      // 64 megapixels (an A4 page at 600 dpi is 35)
  unsigned render_dpi = 300;                   // PDF pages are rendered at this resolution
};

// A decoded image (8-bit BGR, alpha flattened onto white) or the reason it could not be had.
// The encoded bytes are kept so that a remote engine can send the original file.
struct LoadedImage {
  cv::Mat pixels;
  Status status;      // io, decode or limit; the message names the cause, callers add the file name
  std::vector<std::uint8_t> encoded;
  std::string mime;   // of `encoded`: "image/png", "image/jpeg", ...; empty when unknown

  bool ok() const { return status.ok(); }
};

// Images smaller than 4x4 pixels are refused: no glyph fits, and such files are almost always
// tracking pixels or mistakes.
//
// Reads `path`; "-" is not special here (the caller reads standard input into bytes).
LoadedImage load_image(const std::string& path, const ImageLimits& limits = {});

// Decodes an encoded image held in memory: PNG, JPEG, TIFF, BMP, WebP, GIF (first frame), PNM, and
// a PDF's first page.
LoadedImage decode_image(std::span<const std::uint8_t> bytes, const ImageLimits& limits = {});

// How many pages a document holds: a multi-page TIFF's or a PDF's pages; 1 for any other image,
// and for a file that cannot be read or recognised (its error is found when it is read).
int count_pages(const std::string& path);
int count_pages(std::span<const std::uint8_t> bytes);

// Page `page` (1-based) of a multi-page TIFF or a PDF (rendered at limits.render_dpi), the limits
// checked for that page (--max-file-bytes for the whole file, which is what is read). The page is
// kept as PNG for a remote engine.
LoadedImage load_page(const std::string& path, int page, const ImageLimits& limits = {});
LoadedImage decode_page(std::span<const std::uint8_t> bytes, int page, const ImageLimits& limits = {});

}  // namespace crossocr
