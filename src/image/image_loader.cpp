#include "crossocr/image_loader.hpp"

#include <leptonica/allheaders.h>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>
#include <mutex>
#include <system_error>
#include <filesystem>

namespace crossocr {
namespace {

constexpr int kMinSide = 4;  // below this no glyph fits; almost always a tracking pixel or an error

void silence_decoder_chatter() {
  // Leptonica and OpenCV print their own complaints on stderr; ours name the file instead.
  static std::once_flag once;
  std::call_once(once, [] {
    setMsgSeverity(L_SEVERITY_NONE);
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  });
}

LoadedImage failure(StatusCode code, std::string why) {
  LoadedImage out;
  out.status = Status(code, std::move(why));
  return out;
}

std::string mime_type(int leptonica_format) {
  switch (leptonica_format) {
    case IFF_PNG: return "image/png";
    case IFF_JFIF_JPEG: return "image/jpeg";
    case IFF_BMP: return "image/bmp";
    case IFF_GIF: return "image/gif";
    case IFF_WEBP: return "image/webp";
    default:
      return (leptonica_format >= IFF_TIFF && leptonica_format <= IFF_TIFF_JPEG) ? "image/tiff" : "";
  }
}

std::string format_name(int leptonica_format) {
  switch (leptonica_format) {
    case IFF_PNG: return "PNG";
    case IFF_JFIF_JPEG: return "JPEG";
    case IFF_BMP: return "BMP";
    case IFF_GIF: return "GIF";
    case IFF_WEBP: return "WebP";
    case IFF_PNM: return "PNM";
    case IFF_JP2: return "JPEG 2000";
    default:
      return (leptonica_format >= IFF_TIFF && leptonica_format <= IFF_TIFF_JPEG) ? "TIFF" : "image";
  }
}

// 8-bit BGR whatever came in: grey, 16-bit, or with alpha (flattened onto white, which is what
// a viewer shows behind a transparent background and what Tesseract expects around dark text).
cv::Mat to_bgr8(const cv::Mat& decoded) {
  cv::Mat image = decoded;
  if (image.depth() != CV_8U) {
    double scale = image.depth() == CV_16U ? 1.0 / 257.0 : 1.0;
    if (image.depth() == CV_32F || image.depth() == CV_64F) scale = 255.0;
    image.convertTo(image, CV_8U, scale);
  }
  if (image.channels() == 1) {
    cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
  } else if (image.channels() == 4) {
    cv::Mat bgr, alpha;
    cv::cvtColor(image, bgr, cv::COLOR_BGRA2BGR);
    cv::extractChannel(image, alpha, 3);
    cv::Mat a, white(bgr.size(), CV_32FC3, cv::Scalar::all(255.0)), fg;
    cv::cvtColor(alpha, a, cv::COLOR_GRAY2BGR);
    a.convertTo(a, CV_32FC3, 1.0 / 255.0);
    bgr.convertTo(fg, CV_32FC3);
    cv::Mat out = fg.mul(a) + white.mul(cv::Scalar::all(1.0) - a);
    out.convertTo(image, CV_8UC3);
  }
  return image;
}

// OpenCV 4.6 has no GIF reader; Leptonica (built with giflib in Debian) does.
cv::Mat decode_with_leptonica(std::span<const std::uint8_t> bytes) {
  PIX* pix = pixReadMem(bytes.data(), bytes.size());
  if (pix == nullptr) return {};
  PIX* rgba = pixConvertTo32(pix);
  pixDestroy(&pix);
  if (rgba == nullptr) return {};
  const int w = pixGetWidth(rgba), h = pixGetHeight(rgba);
  // Leptonica keeps 0xRRGGBBAA words: on a little-endian machine the bytes read A, B, G, R.
  cv::Mat words(h, w, CV_8UC4, pixGetData(rgba), static_cast<size_t>(pixGetWpl(rgba)) * 4);
  cv::Mat bgr(h, w, CV_8UC3);
  const int from_to[] = {1, 0, 2, 1, 3, 2};
  cv::mixChannels(&words, 1, &bgr, 1, from_to, 3);
  pixDestroy(&rgba);
  return bgr;
}

}  // namespace

LoadedImage decode_image(std::span<const std::uint8_t> bytes, const ImageLimits& limits) {
  silence_decoder_chatter();
  if (bytes.empty()) return failure(StatusCode::kDecode, "file is empty");
  if (bytes.size() > limits.max_file_bytes) {
    return failure(StatusCode::kLimit, "file is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                   std::to_string(limits.max_file_bytes));
  }

  // The header alone tells the canvas size; refuse before any pixel buffer is allocated.
  l_int32 format = IFF_UNKNOWN, w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;
  const bool header_known =
      pixReadHeaderMem(bytes.data(), bytes.size(), &format, &w, &h, &bps, &spp, &iscmap) == 0;
  if (header_known) {
    const auto pixels = static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h);
    if (w <= 0 || h <= 0) return failure(StatusCode::kDecode, format_name(format) + " header declares no pixels");
    if (pixels > limits.max_pixels) {
      return failure(StatusCode::kLimit, format_name(format) + " declares " + std::to_string(w) + "x" +
                     std::to_string(h) + " pixels, over the limit of " +
                     std::to_string(limits.max_pixels) + " pixels");
    }
    if (w < kMinSide || h < kMinSide) {
      return failure(StatusCode::kLimit, "image is " + std::to_string(w) + "x" + std::to_string(h) +
                     " pixels, too small to hold text (at least " + std::to_string(kMinSide) +
                     "x" + std::to_string(kMinSide) + ")");
    }
  }

  // Only formats whose header is read (and limited) above are decoded: others (Radiance HDR, PFM,
  // EXR...) could declare any size, and OpenCV would allocate it before anything could refuse.
  if (!header_known) {
    return failure(StatusCode::kDecode,
                   "not an image in a format crossocr reads (PNG, JPEG, TIFF, BMP, WebP, GIF, PNM)");
  }
  cv::Mat decoded;
  if (format == IFF_GIF) {
    decoded = decode_with_leptonica(bytes);
  } else {
    // JPEG honours its EXIF orientation only with IMREAD_COLOR; other formats keep alpha/depth.
    const int flags = format == IFF_JFIF_JPEG ? cv::IMREAD_COLOR : cv::IMREAD_UNCHANGED;
    try {
      const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U,
                           const_cast<std::uint8_t*>(bytes.data()));
      decoded = cv::imdecode(buffer, flags);
    } catch (const cv::Exception& e) {
      return failure(StatusCode::kDecode, "cannot decode image: " + std::string(e.err));
    }
  }
  if (decoded.empty()) {
    return failure(StatusCode::kDecode, format_name(format) + " data is corrupt or truncated");
  }
  // A decoder may disagree with the header it was given (multi-image files): checked again.
  if (static_cast<std::uint64_t>(decoded.total()) > limits.max_pixels) {
    return failure(StatusCode::kLimit, "image is " + std::to_string(decoded.cols) + "x" +
                   std::to_string(decoded.rows) + " pixels, over the limit of " +
                   std::to_string(limits.max_pixels) + " pixels");
  }
  if (decoded.cols < kMinSide || decoded.rows < kMinSide) {
    return failure(StatusCode::kLimit, "image is " + std::to_string(decoded.cols) + "x" +
                   std::to_string(decoded.rows) + " pixels, too small to hold text");
  }
  return LoadedImage{to_bgr8(decoded), {},
                     std::vector<std::uint8_t>(bytes.begin(), bytes.end()),
                     mime_type(format)};
}

LoadedImage load_image(const std::string& path, const ImageLimits& limits) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return failure(StatusCode::kIo, "no such file");
  if (std::filesystem::is_directory(status)) return failure(StatusCode::kIo, "is a directory, not an image");
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return failure(StatusCode::kIo, "cannot read: " + ec.message());
  if (size > limits.max_file_bytes) {
    return failure(StatusCode::kLimit, "file is " + std::to_string(size) + " bytes, over the limit of " +
                   std::to_string(limits.max_file_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return failure(StatusCode::kIo, "cannot open for reading");
  std::vector<std::uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) return failure(StatusCode::kIo, "read error");
  return decode_image(bytes, limits);
}

}  // namespace crossocr
