#include "image/pix_codec.hpp"

#include "image/quiet_codecs.hpp"

#include <leptonica/allheaders.h>
#include <opencv2/imgproc.hpp>

#include <cstring>
#include <fstream>
#include <functional>
#include <memory>

namespace crossocr {
namespace {

struct PixDeleter {
  void operator()(PIX* pix) const { pixDestroy(&pix); }
};
using PixPtr = std::unique_ptr<PIX, PixDeleter>;

// Leptonica keeps 32-bit pixels as 0xRRGGBBAA words: on a little-endian machine the bytes of
// each read A, B, G, R.
cv::Mat bgr_from_pix32(PIX* rgb) {
  const int w = pixGetWidth(rgb), h = pixGetHeight(rgb);
  const cv::Mat words(h, w, CV_8UC4, pixGetData(rgb), static_cast<size_t>(pixGetWpl(rgb)) * 4);
  cv::Mat bgr(h, w, CV_8UC3);
  const int from_to[] = {1, 0, 2, 1, 3, 2};
  cv::mixChannels(&words, 1, &bgr, 1, from_to, 3);
  return bgr;
}

// 8-bit grey or BGR pixels as a Leptonica image (8 bpp grey or 32 bpp RGB).
PixPtr pix_from_mat(const cv::Mat& image) {
  if (image.empty() || image.depth() != CV_8U) return nullptr;
  const int w = image.cols, h = image.rows;
  if (image.channels() == 1) {
    PixPtr pix(pixCreate(w, h, 8));
    if (!pix) return nullptr;
    for (int y = 0; y < h; ++y) {
      l_uint32* line = pixGetData(pix.get()) + static_cast<std::ptrdiff_t>(y) * pixGetWpl(pix.get());
      const std::uint8_t* row = image.ptr<std::uint8_t>(y);
      for (int x = 0; x < w; ++x) SET_DATA_BYTE(line, x, row[x]);
    }
    return pix;
  }
  cv::Mat bgr;
  if (image.channels() == 3) {
    bgr = image;
  } else if (image.channels() == 4) {
    cv::cvtColor(image, bgr, cv::COLOR_BGRA2BGR);
  } else {
    return nullptr;
  }
  PixPtr pix(pixCreate(w, h, 32));
  if (!pix) return nullptr;
  pixSetSpp(pix.get(), 3);
  cv::Mat words(h, w, CV_8UC4, pixGetData(pix.get()), static_cast<size_t>(pixGetWpl(pix.get())) * 4);
  const int from_to[] = {0, 1, 1, 2, 2, 3};  // B, G, R into the words' bytes 1, 2, 3
  cv::mixChannels(&bgr, 1, &words, 1, from_to, 3);
  return pix;
}

std::vector<std::uint8_t> take(l_uint8* data, size_t size) {
  std::vector<std::uint8_t> out(data, data + size);
  lept_free(data);
  return out;
}

// Big- or little-endian unsigned integers inside the EXIF block, bounds checked by the caller.
unsigned read_u16(const std::uint8_t* p, bool big) { return big ? (p[0] << 8) | p[1] : (p[1] << 8) | p[0]; }
std::uint32_t read_u32(const std::uint8_t* p, bool big) {
  return big ? (std::uint32_t(p[0]) << 24) | (p[1] << 16) | (p[2] << 8) | p[3]
             : (std::uint32_t(p[3]) << 24) | (p[2] << 16) | (p[1] << 8) | p[0];
}

// The orientation tag (0x0112) of an EXIF block's first image directory: "Exif\0\0", then a
// TIFF header (byte order, 42, offset of the directory), then 12-byte entries.
int orientation_in_exif(const std::uint8_t* exif, std::size_t size) {
  if (size < 14 || std::memcmp(exif, "Exif\0\0", 6) != 0) return 1;
  const std::uint8_t* tiff = exif + 6;
  const std::size_t tiff_size = size - 6;
  const bool big = tiff[0] == 'M' && tiff[1] == 'M';
  if (!big && !(tiff[0] == 'I' && tiff[1] == 'I')) return 1;
  const std::uint32_t directory = read_u32(tiff + 4, big);
  if (directory > tiff_size - 2) return 1;
  const unsigned entries = read_u16(tiff + directory, big);
  for (unsigned i = 0; i < entries; ++i) {
    const std::size_t at = directory + 2 + std::size_t(i) * 12;
    if (at + 12 > tiff_size) break;
    if (read_u16(tiff + at, big) != 0x0112) continue;
    const unsigned value = read_u16(tiff + at + 8, big);
    return value >= 1 && value <= 8 ? static_cast<int>(value) : 1;
  }
  return 1;
}

// Leptonica's lines that bypass its severity setting ("Bad file: amount too big" when a TIFF's
// strips run past the data), counted per decoding thread instead of printed.
thread_local int leptonica_complaints = 0;

void count_leptonica_complaint(const char* /*line*/) { ++leptonica_complaints; }

// What `decode` (a Leptonica call) gives, or nothing when Leptonica complained on the way: it fills
// strips it could not read with black and returns the image, which would then be read as text.
PixPtr leptonica_decode(const std::function<PIX*()>& decode) {
  const int before = leptonica_complaints;
  PixPtr pix(decode());
  if (leptonica_complaints != before) pix.reset();
  return pix;
}

}  // namespace

void keep_leptonica_quiet() {
  setMsgSeverity(L_SEVERITY_NONE);
  leptSetStderrHandler(count_leptonica_complaint);
}

int exif_orientation(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8) return 1;
  std::size_t at = 2;
  // Marker segments up to the image data: FF xx, then a big-endian length that counts itself.
  while (at + 4 <= bytes.size() && bytes[at] == 0xFF) {
    const std::uint8_t marker = bytes[at + 1];
    if (marker == 0xDA || marker == 0xD9) break;  // start of scan, end of image
    const std::size_t length = (std::size_t(bytes[at + 2]) << 8) | bytes[at + 3];
    if (length < 2 || at + 2 + length > bytes.size()) break;
    if (marker == 0xE1) {
      const int orientation = orientation_in_exif(bytes.data() + at + 4, length - 2);
      if (orientation != 1) return orientation;
    }
    at += 2 + length;
  }
  return 1;
}

cv::Mat apply_orientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2: cv::flip(image, out, 1); return out;
    case 3: cv::rotate(image, out, cv::ROTATE_180); return out;
    case 4: cv::flip(image, out, 0); return out;
    case 5: cv::transpose(image, out); return out;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 7: cv::transpose(image, out); cv::rotate(out, out, cv::ROTATE_180); return out;
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return image;
  }
}

// Any Leptonica image as 8-bit BGR, alpha flattened onto white; empty when it cannot be converted.
cv::Mat bgr_from_pix(PIX* pix) {
  if (pix == nullptr) return {};
  PixPtr rgb(pixConvertTo32(pix));
  if (!rgb) return {};
  if (pixGetSpp(rgb.get()) == 4) rgb.reset(pixAlphaBlendUniform(rgb.get(), 0xffffff00));
  if (!rgb) return {};
  return bgr_from_pix32(rgb.get());
}

cv::Mat decode_pixels(std::span<const std::uint8_t> bytes) {
  // PNG and JPEG, most of what is read and most of what arrives damaged, go to decoders that keep
  // libpng's and libjpeg's complaints off standard error; Leptonica reads the rest.
  if (has_png_signature(bytes)) return decode_png(bytes);
  cv::Mat bgr;
  if (has_jpeg_signature(bytes)) {
    bgr = decode_jpeg(bytes);
  } else {
    const PixPtr pix = leptonica_decode([&] { return pixReadMem(bytes.data(), bytes.size()); });
    bgr = bgr_from_pix(pix.get());
  }
  return bgr.empty() ? bgr : apply_orientation(bgr, exif_orientation(bytes));
}

cv::Mat decode_tiff_page(std::span<const std::uint8_t> bytes, int index) {
  const PixPtr pix = leptonica_decode([&] { return pixReadMemTiff(bytes.data(), bytes.size(), index); });
  return bgr_from_pix(pix.get());
}

std::vector<std::uint8_t> encode_png(const cv::Mat& image) {
  PixPtr pix = pix_from_mat(image);
  l_uint8* data = nullptr;
  size_t size = 0;
  if (!pix || pixWriteMemPng(&data, &size, pix.get(), 0.0f) != 0 || data == nullptr) return {};
  return take(data, size);
}

std::vector<std::uint8_t> encode_jpeg(const cv::Mat& image, int quality) {
  PixPtr pix = pix_from_mat(image);
  l_uint8* data = nullptr;
  size_t size = 0;
  if (!pix || pixWriteMemJpeg(&data, &size, pix.get(), quality, 0) != 0 || data == nullptr) return {};
  return take(data, size);
}

bool write_png(const std::string& path, const cv::Mat& image) {
  const std::vector<std::uint8_t> bytes = encode_png(image);
  if (bytes.empty()) return false;
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out.flush());
}

}  // namespace crossocr
