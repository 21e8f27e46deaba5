// PNG and JPEG decoding with libpng's and libjpeg's complaints kept from standard error: through
// Leptonica, each damaged file printed the codec's own lines ("libpng error: ...", "Corrupt JPEG
// data: ...") beside crossocr's one line naming the file. Pixels come out as Leptonica gave them
// (no gamma or colour management), so a reading does not change with the decoder.
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <span>

namespace crossocr {

bool has_png_signature(std::span<const std::uint8_t> bytes);
bool has_jpeg_signature(std::span<const std::uint8_t> bytes);

// The width and height a PNG's or JPEG's header declares, before any pixel is decoded; empty when
// the header cannot be read.
cv::Size png_size(std::span<const std::uint8_t> bytes);
cv::Size jpeg_size(std::span<const std::uint8_t> bytes);

// 8-bit BGR: grey, colour-mapped and low-bit images expanded, 16-bit scaled down, alpha
// flattened onto white. Empty when the data is corrupt or truncated.
cv::Mat decode_png(std::span<const std::uint8_t> bytes);

// 8-bit BGR from grey, YCbCr, RGB or (Adobe's inverted) CMYK JPEGs, in file orientation. A file
// cut short gives what it holds (the rest grey), as libjpeg does; empty when nothing decodes.
cv::Mat decode_jpeg(std::span<const std::uint8_t> bytes);

}  // namespace crossocr
