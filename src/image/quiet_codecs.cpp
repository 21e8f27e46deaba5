#include "image/quiet_codecs.hpp"

#include <png.h>

#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE declared first
#include <cstring>
#include <memory>
#include <vector>

#include <jpeglib.h>

// Both codecs report a fatal error by longjmp to a setjmp the caller placed. Every object the
// decoders below touch after their setjmp lives on the heap, behind a pointer set before it, so
// that the jump back skips no destructor and leaves no value cached in a register.

namespace crossocr {
namespace {

// Alpha over a white ground, what a viewer shows behind a transparent one (and Leptonica gave).
cv::Mat flattened_onto_white(const cv::Mat& bgra) {
  cv::Mat bgr(bgra.rows, bgra.cols, CV_8UC3);
  for (int y = 0; y < bgra.rows; ++y) {
    const auto* in = bgra.ptr<cv::Vec4b>(y);
    auto* out = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < bgra.cols; ++x) {
      const int alpha = in[x][3];
      for (int c = 0; c < 3; ++c) out[x][c] = static_cast<std::uint8_t>((in[x][c] * alpha + 255 * (255 - alpha) + 127) / 255);
    }
  }
  return bgr;
}

struct PngDecoding {
  std::span<const std::uint8_t> bytes;
  std::size_t at = 0;
  cv::Mat pixels;
  std::vector<png_bytep> rows;
};

void read_png_bytes(png_structp png, png_bytep out, png_size_t length) {
  auto* decoding = static_cast<PngDecoding*>(png_get_io_ptr(png));
  if (length > decoding->bytes.size() - decoding->at) png_error(png, "truncated");
  std::memcpy(out, decoding->bytes.data() + decoding->at, length);
  decoding->at += length;
}

[[noreturn]] void fail_png(png_structp png, png_const_charp /*message*/) { png_longjmp(png, 1); }
void ignore_png_warning(png_structp, png_const_charp) {}

struct JpegDecoding {
  jpeg_decompress_struct info{};
  jpeg_error_mgr errors{};
  std::jmp_buf jump{};
  cv::Mat pixels;
};

[[noreturn]] void fail_jpeg(j_common_ptr info) {
  std::longjmp(static_cast<JpegDecoding*>(info->client_data)->jump, 1);
}
void ignore_jpeg_message(j_common_ptr) {}  // "Corrupt JPEG data: ..." and other warnings

// Adobe's CMYK JPEGs store the inks inverted: a channel times K is then the colour's value.
cv::Mat bgr_from_inverted_cmyk(const cv::Mat& cmyk) {
  cv::Mat bgr(cmyk.rows, cmyk.cols, CV_8UC3);
  for (int y = 0; y < cmyk.rows; ++y) {
    const auto* in = cmyk.ptr<cv::Vec4b>(y);
    auto* out = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < cmyk.cols; ++x) {
      const int k = in[x][3];
      out[x] = cv::Vec3b(static_cast<std::uint8_t>(in[x][2] * k / 255), static_cast<std::uint8_t>(in[x][1] * k / 255),
                         static_cast<std::uint8_t>(in[x][0] * k / 255));
    }
  }
  return bgr;
}

// A decompressor whose errors jump back to decoding.jump and whose warnings are dropped; the
// caller sets the jump, then calls jpeg_create_decompress.
void prepare_jpeg(JpegDecoding& decoding) {
  decoding.info.err = jpeg_std_error(&decoding.errors);
  decoding.errors.error_exit = fail_jpeg;
  decoding.errors.output_message = ignore_jpeg_message;
  decoding.info.client_data = &decoding;  // kept by jpeg_create_decompress, which clears the rest
}

}  // namespace

bool has_png_signature(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 8 && png_sig_cmp(bytes.data(), 0, 8) == 0;
}

bool has_jpeg_signature(std::span<const std::uint8_t> bytes) {
  // The start-of-image marker alone, as Leptonica tells a JPEG: whatever it would hand to libjpeg
  // comes here instead.
  return bytes.size() >= 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;
}

cv::Size png_size(std::span<const std::uint8_t> bytes) {
  // The signature, then IHDR, always the first chunk: length, "IHDR", width, height (big-endian).
  if (!has_png_signature(bytes) || bytes.size() < 24 || std::memcmp(bytes.data() + 12, "IHDR", 4) != 0) return {};
  const auto big_endian = [&](std::size_t at) {
    return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) | (std::uint32_t{bytes[at + 2]} << 8) |
           std::uint32_t{bytes[at + 3]};
  };
  const std::uint32_t width = big_endian(16), height = big_endian(20);
  // PNG's own bound (2^31 - 1) keeps each side an int; the caller limits their product.
  if (width == 0 || height == 0 || width > PNG_UINT_31_MAX || height > PNG_UINT_31_MAX) return {};
  return {static_cast<int>(width), static_cast<int>(height)};
}

cv::Mat decode_png(std::span<const std::uint8_t> bytes) {
  if (!has_png_signature(bytes)) return {};
  const auto decoding = std::make_unique<PngDecoding>();
  decoding->bytes = bytes;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, fail_png, ignore_png_warning);
  if (png == nullptr) return {};
  png_infop info = png_create_info_struct(png);
  if (info == nullptr || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return {};
  }
  png_set_read_fn(png, decoding.get(), read_png_bytes);
  png_read_info(png, info);
  png_set_expand(png);  // colour map to BGR, grey under 8 bits to 8, tRNS to alpha
  png_set_strip_16(png);
  png_set_gray_to_rgb(png);
  png_set_bgr(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const png_uint_32 width = png_get_image_width(png, info), height = png_get_image_height(png, info);
  const int channels = png_get_channels(png, info);  // 3, or 4 with alpha
  decoding->pixels.create(static_cast<int>(height), static_cast<int>(width), CV_8UC(channels));
  decoding->rows.resize(height);
  for (png_uint_32 y = 0; y < height; ++y) decoding->rows[y] = decoding->pixels.ptr(static_cast<int>(y));
  png_read_image(png, decoding->rows.data());
  png_read_end(png, nullptr);  // as Leptonica: a file without its end is refused, not half-read
  png_destroy_read_struct(&png, &info, nullptr);
  return channels == 4 ? flattened_onto_white(decoding->pixels) : decoding->pixels;
}

namespace {

// The header (and with `pixels`, the image) of a JPEG into `decoding`; false when libjpeg gave up
// or, while reading rows, complained. One function for both: the jump back must land in a frame
// that is still there.
bool read_jpeg(std::span<const std::uint8_t> bytes, JpegDecoding& decoding, bool pixels) {
  prepare_jpeg(decoding);
  jpeg_decompress_struct& info = decoding.info;
  if (setjmp(decoding.jump)) {
    jpeg_destroy_decompress(&info);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  if (pixels) {
    const bool cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
    info.out_color_space = cmyk ? JCS_CMYK : JCS_EXT_BGR;
    jpeg_start_decompress(&info);
    decoding.pixels.create(static_cast<int>(info.output_height), static_cast<int>(info.output_width),
                           CV_8UC(info.output_components));
    while (info.output_scanline < info.output_height) {
      JSAMPROW row = decoding.pixels.ptr(static_cast<int>(info.output_scanline));
      // Damaged data decodes to grey or smeared blocks where text may have been: refused, as
      // Leptonica refuses it (a complaint after the last row, about the end marker, is not).
      if (jpeg_read_scanlines(&info, &row, 1) != 1 || decoding.errors.num_warnings > 0) {
        jpeg_destroy_decompress(&info);
        return false;
      }
    }
    jpeg_finish_decompress(&info);
  }
  jpeg_destroy_decompress(&info);
  return true;
}

}  // namespace

cv::Size jpeg_size(std::span<const std::uint8_t> bytes) {
  if (!has_jpeg_signature(bytes)) return {};
  const auto decoding = std::make_unique<JpegDecoding>();
  if (!read_jpeg(bytes, *decoding, /*pixels=*/false)) return {};
  return {static_cast<int>(decoding->info.image_width), static_cast<int>(decoding->info.image_height)};
}

cv::Mat decode_jpeg(std::span<const std::uint8_t> bytes) {
  if (!has_jpeg_signature(bytes)) return {};
  const auto decoding = std::make_unique<JpegDecoding>();
  if (!read_jpeg(bytes, *decoding, /*pixels=*/true)) return {};
  return decoding->pixels.channels() == 4 ? bgr_from_inverted_cmyk(decoding->pixels) : decoding->pixels;
}

}  // namespace crossocr
