#include "crossocr/image_loader.hpp"

#include "image/pdf_pages.hpp"
#include "image/pix_codec.hpp"
#include "image/quiet_codecs.hpp"
#include "stage_clock.hpp"

#include <leptonica/allheaders.h>
#include <opencv2/core/utils/logger.hpp>

#include <cstdio>
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
    keep_leptonica_quiet();
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

bool is_tiff(l_int32 format) { return format >= IFF_TIFF && format <= IFF_TIFF_JPEG; }

// The size a header declares, against the limits, before any pixel is decoded.
LoadedImage check_canvas(const std::string& format, l_int32 w, l_int32 h, const ImageLimits& limits) {
  const auto pixels = static_cast<std::uint64_t>(w) * static_cast<std::uint64_t>(h);
  if (w <= 0 || h <= 0) return failure(StatusCode::kDecode, format + " header declares no pixels");
  if (pixels > limits.max_pixels) {
    return failure(StatusCode::kLimit, format + " declares " + std::to_string(w) + "x" + std::to_string(h) +
                   " pixels, over the limit of " + std::to_string(limits.max_pixels) + " pixels");
  }
  if (w < kMinSide || h < kMinSide) {
    return failure(StatusCode::kLimit, "image is " + std::to_string(w) + "x" + std::to_string(h) +
                   " pixels, too small to hold text (at least " + std::to_string(kMinSide) + "x" +
                   std::to_string(kMinSide) + ")");
  }
  return {};
}

// The bits per sample that page `index` of a TIFF declares (tag 258), 0 when the bytes do not say.
// Read here because Leptonica refuses the header itself for the widths it does not decode.
l_int32 tiff_bits_per_sample(std::span<const std::uint8_t> bytes, int index) {
  if (bytes.size() < 8 || (bytes[0] != 'I' && bytes[0] != 'M') || bytes[0] != bytes[1]) return 0;
  const bool little = bytes[0] == 'I';
  const auto read = [&](std::uint64_t at, int width) -> std::uint64_t {
    if (at + width > bytes.size()) return 0;
    std::uint64_t value = 0;
    for (int i = 0; i < width; ++i) value |= std::uint64_t{bytes[at + (little ? i : width - 1 - i)]} << (8 * i);
    return value;
  };
  if (read(2, 2) != 42) return 0;  // classic TIFF only (BigTIFF's offsets are 8 bytes)
  std::uint64_t ifd = read(4, 4);
  for (int page = 0; page < index && ifd != 0 && page < 10000; ++page) ifd = read(ifd + 2 + 12 * read(ifd, 2), 4);
  if (ifd == 0) return 0;
  const std::uint64_t entries = read(ifd, 2);
  for (std::uint64_t e = 0; e < entries; ++e) {
    const std::uint64_t entry = ifd + 2 + 12 * e;
    if (read(entry, 2) != 258 || read(entry + 2, 2) != 3) continue;  // BitsPerSample, SHORT
    const std::uint64_t count = read(entry + 4, 4);
    return static_cast<l_int32>(count <= 2 ? read(entry + 8, 2) : read(read(entry + 8, 4), 2));
  }
  return 0;
}

// Why a file of a format crossocr reads holds a variant its decoder does not, when that is the
// cause: "" otherwise. Said instead of "corrupt or truncated", which would send a user looking
// for damage that is not there. `tiff_page`: the (0-based) page of a TIFF that failed.
std::string unread_variant(std::span<const std::uint8_t> bytes, l_int32 format, int tiff_page = 0) {
  const auto u16 = [&](std::size_t at) { return static_cast<unsigned>(bytes[at] | bytes[at + 1] << 8); };
  // A Windows BMP header (40 bytes or more) holds the compression; OS/2's 12-byte one does not.
  if (format == IFF_BMP && bytes.size() >= 34 && (u16(14) | u16(16) << 16) >= 40) {
    const unsigned bits = u16(28);
    const unsigned compression = u16(30) | u16(32) << 16;
    static const char* const kCompressions[] = {"", "RLE8", "RLE4", "BI_BITFIELDS colour masks", "JPEG",
                                                "PNG", "BI_ALPHABITFIELDS colour masks"};
    if (compression >= 1 && compression <= 6) {
      return std::string("a ") + std::to_string(bits) + "-bit BMP with " + kCompressions[compression] +
             ", which crossocr does not decode: save it as PNG or as an uncompressed 24-bit BMP";
    }
  }
  const l_int32 bits_per_sample = is_tiff(format) ? tiff_bits_per_sample(bytes, tiff_page) : 0;
  if (bits_per_sample > 16) {
    return "a TIFF of " + std::to_string(bits_per_sample) +
           " bits per sample (floating-point or 32-bit integer data), which crossocr does not decode: "
           "it reads 1 to 16 bits per sample";
  }
  return "";
}

// A file's bytes, refused unread when it is over --max-file-bytes. On failure `bytes` is empty and
// the result says why.
LoadedImage read_file(const std::string& path, const ImageLimits& limits, std::vector<std::uint8_t>& bytes) {
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
  bytes.resize(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in.gcount()) != size) {
    bytes.clear();
    return failure(StatusCode::kIo, "read error");
  }
  return {};
}

// The pages of the TIFF open in `file`, 1 when it is no TIFF or cannot be read.
int pages_in(FILE* file) {
  if (file == nullptr) return 1;
  l_int32 format = IFF_UNKNOWN, pages = 0;
  const bool tiff = findFileFormatStream(file, &format) == 0 && is_tiff(format);
  if (tiff) rewind(file);
  const bool counted = tiff && tiffGetCount(file, &pages) == 0;
  std::fclose(file);
  return counted && pages > 1 ? pages : 1;
}

// Bytes in memory over --max-file-bytes. Standard input is read only to one byte past the limit,
// so its true size is unknown here.
LoadedImage over_the_byte_limit(const ImageLimits& limits) {
  return failure(StatusCode::kLimit,
                 "file is over the limit of " + std::to_string(limits.max_file_bytes) + " bytes (--max-file-bytes)");
}

}  // namespace

LoadedImage decode_image(std::span<const std::uint8_t> bytes, const ImageLimits& limits) {
  const StageTimer timer(Stage::kDecode);
  silence_decoder_chatter();
  if (bytes.empty()) return failure(StatusCode::kDecode, "file is empty");
  if (bytes.size() > limits.max_file_bytes) return over_the_byte_limit(limits);

  if (is_pdf(bytes)) return render_pdf_page(bytes, 1, limits);  // a one-page PDF is one image

  // The header alone tells the canvas size; refuse before any pixel buffer is allocated.
  l_int32 format = IFF_UNKNOWN, w = 0, h = 0, bps = 0, spp = 0, iscmap = 0;
  bool header_known = false;
  if (has_png_signature(bytes) || has_jpeg_signature(bytes)) {  // without the codecs' own messages
    format = has_png_signature(bytes) ? IFF_PNG : IFF_JFIF_JPEG;
    const cv::Size size = format == IFF_PNG ? png_size(bytes) : jpeg_size(bytes);
    w = size.width;
    h = size.height;
    header_known = !size.empty();
  } else {
    header_known = pixReadHeaderMem(bytes.data(), bytes.size(), &format, &w, &h, &bps, &spp, &iscmap) == 0;
  }
  if (header_known) {
    if (LoadedImage refused = check_canvas(format_name(format), w, h, limits); !refused.ok()) return refused;
  }

  // Only formats whose header is read (and limited) above are decoded: others (Radiance HDR, PFM,
  // EXR...) could declare any size, and OpenCV would allocate it before anything could refuse.
  if (!header_known) {
    // The first 12 bytes alone: a file cut short still shows what it was.
    l_int32 signature = IFF_UNKNOWN;
    if (bytes.size() >= 12) findFileFormatBuffer(bytes.data(), &signature);
    if (signature != IFF_UNKNOWN) {
      if (std::string variant = unread_variant(bytes, signature); !variant.empty()) {
        return failure(StatusCode::kDecode, variant);
      }
      return failure(StatusCode::kDecode, format_name(signature) + " data is corrupt or truncated");
    }
    return failure(StatusCode::kDecode,
                   "not an image in a format crossocr reads (PNG, JPEG, TIFF, BMP, WebP, GIF, PNM)");
  }
  const cv::Mat decoded = decode_pixels(bytes);
  if (decoded.empty()) {
    if (std::string variant = unread_variant(bytes, format); !variant.empty()) {
      return failure(StatusCode::kDecode, variant);
    }
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
  std::vector<std::uint8_t> bytes;
  if (LoadedImage unread = read_file(path, limits, bytes); !unread.ok()) return unread;
  return decode_image(bytes, limits);
}

int count_pages(const std::string& path) {
  silence_decoder_chatter();
  std::uint8_t magic[5] = {};
  std::ifstream(path, std::ios::binary).read(reinterpret_cast<char*>(magic), sizeof magic);
  if (is_pdf(magic)) return pdf_page_count(path);
  return pages_in(std::fopen(path.c_str(), "rb"));
}

int count_pages(std::span<const std::uint8_t> bytes) {
  silence_decoder_chatter();
  if (bytes.empty()) return 1;
  if (is_pdf(bytes)) return pdf_page_count(bytes);
  return pages_in(fopenReadFromMemory(bytes.data(), bytes.size()));
}

LoadedImage load_page(const std::string& path, int page, const ImageLimits& limits) {
  std::vector<std::uint8_t> bytes;
  if (LoadedImage unread = read_file(path, limits, bytes); !unread.ok()) return unread;
  return decode_page(bytes, page, limits);
}

LoadedImage decode_page(std::span<const std::uint8_t> bytes, int page, const ImageLimits& limits) {
  silence_decoder_chatter();
  const std::string name = "TIFF page " + std::to_string(page);
  if (bytes.size() > limits.max_file_bytes) return over_the_byte_limit(limits);
  if (is_pdf(bytes)) return render_pdf_page(bytes, page, limits);
  l_int32 w = 0, h = 0, bps = 0, spp = 0, res = 0, cmap = 0, format = 0;
  if (page < 1 || readHeaderMemTiff(bytes.data(), bytes.size(), page - 1, &w, &h, &bps, &spp, &res, &cmap, &format) != 0) {
    if (std::string variant = page < 1 ? "" : unread_variant(bytes, IFF_TIFF, page - 1); !variant.empty()) {
      return failure(StatusCode::kDecode, name + " is " + variant);
    }
    return failure(StatusCode::kDecode, name + " cannot be found or its header is corrupt");
  }
  if (LoadedImage refused = check_canvas(name, w, h, limits); !refused.ok()) return refused;
  const cv::Mat decoded = decode_tiff_page(bytes, page - 1);
  if (decoded.empty()) return failure(StatusCode::kDecode, name + " is corrupt or truncated");
  // Remote engines take the page alone, as PNG; not the whole document.
  return LoadedImage{decoded, {}, encode_png(decoded), "image/png"};
}

}  // namespace crossocr
