#include "crossocr/image_loader.hpp"

#include "stage_clock.hpp"

#include "image/pix_codec.hpp"

#include <leptonica/allheaders.h>
#include <opencv2/core/utils/logger.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <system_error>

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

}  // namespace

LoadedImage decode_image(std::span<const std::uint8_t> bytes, const ImageLimits& limits) {
  const StageTimer timer(Stage::kDecode);
  silence_decoder_chatter();
  if (bytes.empty()) return failure(StatusCode::kDecode, "file is empty");
  if (bytes.size() > limits.max_file_bytes) {
    // Standard input is read only to one byte past the limit, so its true size is unknown here.
    return failure(StatusCode::kLimit, "file is over the limit of " + std::to_string(limits.max_file_bytes) +
                   " bytes (--max-file-bytes)");
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
    // The first 12 bytes alone: a file cut short still shows what it was.
    l_int32 signature = IFF_UNKNOWN;
    if (bytes.size() >= 12) findFileFormatBuffer(bytes.data(), &signature);
    if (signature != IFF_UNKNOWN) {
      return failure(StatusCode::kDecode, format_name(signature) + " data is corrupt or truncated");
    }
    return failure(StatusCode::kDecode,
                   "not an image in a format crossocr reads (PNG, JPEG, TIFF, BMP, WebP, GIF, PNM)");
  }
  const cv::Mat decoded = decode_pixels(bytes);
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
  return LoadedImage{decoded, {},
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
                   std::to_string(limits.max_file_bytes) + " bytes (--max-file-bytes)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return failure(StatusCode::kIo, "cannot open for reading");
  std::vector<std::uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) return failure(StatusCode::kIo, "read error");
  return decode_image(bytes, limits);
}

}  // namespace crossocr
