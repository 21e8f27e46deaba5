// PDF pages as images, rendered by poppler (Debian's libpoppler-cpp): a scanned or born-digital
// document is read page by page like a multi-page TIFF.
#pragma once

#include "crossocr/image_loader.hpp"

#include <cstdint>
#include <span>
#include <string>

namespace crossocr {

// Whether the bytes (at least the first 5) begin a PDF.
bool is_pdf(std::span<const std::uint8_t> bytes);

// The pages of a PDF; 1 when it cannot be opened (its error is found when it is read).
int pdf_page_count(std::span<const std::uint8_t> bytes);
int pdf_page_count(const std::string& path);

// Page `page` (1-based) rendered at limits.render_dpi, refused before rendering when its size at
// that resolution is over limits.max_pixels. The page is kept as PNG for a remote engine.
LoadedImage render_pdf_page(std::span<const std::uint8_t> bytes, int page, const ImageLimits& limits);

}  // namespace crossocr
