#include "image/pdf_pages.hpp"

#include "image/pix_codec.hpp"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <mutex>

namespace crossocr {
namespace {

// poppler prints its complaints on stderr; ours name the file and page instead.
void silence_poppler() {
  static std::once_flag once;
  std::call_once(once, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
}

std::unique_ptr<poppler::document> open_pdf(std::span<const std::uint8_t> bytes) {
  silence_poppler();
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) return nullptr;
  // poppler reads the data in place: it must outlive the document, which it does (the caller's bytes).
  std::unique_ptr<poppler::document> pdf(poppler::document::load_from_raw_data(
      reinterpret_cast<const char*>(bytes.data()), static_cast<int>(bytes.size())));
  if (pdf && pdf->is_locked()) return nullptr;
  return pdf;
}

LoadedImage failure(StatusCode code, std::string why) {
  LoadedImage out;
  out.status = Status(code, std::move(why));
  return out;
}

cv::Mat bgr_of(poppler::image& image) {
  const cv::Mat view(image.height(), image.width(), CV_8UC3, image.data(), static_cast<size_t>(image.bytes_per_row()));
  return view.clone();  // the image's buffer goes with it
}

}  // namespace

bool is_pdf(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 5 && std::memcmp(bytes.data(), "%PDF-", 5) == 0;
}

int pdf_page_count(std::span<const std::uint8_t> bytes) {
  const auto pdf = open_pdf(bytes);
  return pdf && pdf->pages() > 0 ? pdf->pages() : 1;
}

int pdf_page_count(const std::string& path) {
  silence_poppler();
  std::unique_ptr<poppler::document> pdf(poppler::document::load_from_file(path));
  return pdf && !pdf->is_locked() && pdf->pages() > 0 ? pdf->pages() : 1;
}

LoadedImage render_pdf_page(std::span<const std::uint8_t> bytes, int page, const ImageLimits& limits) {
  const std::string name = "PDF page " + std::to_string(page);
  const auto pdf = open_pdf(bytes);
  if (!pdf) return failure(StatusCode::kDecode, "PDF is corrupt, truncated or locked by a password");
  std::unique_ptr<poppler::page> sheet(page >= 1 && page <= pdf->pages() ? pdf->create_page(page - 1) : nullptr);
  if (!sheet) return failure(StatusCode::kDecode, name + " cannot be found");
  // Points are 1/72 inch: the page's size at the resolution asked for, refused before any pixel exists.
  const poppler::rectf box = sheet->page_rect();
  const double w = std::ceil(box.width() * limits.render_dpi / 72.0), h = std::ceil(box.height() * limits.render_dpi / 72.0);
  if (w * h > static_cast<double>(limits.max_pixels)) {
    return failure(StatusCode::kLimit, name + " at " + std::to_string(limits.render_dpi) + " dpi is " +
                   std::to_string(static_cast<long long>(w)) + "x" + std::to_string(static_cast<long long>(h)) +
                   " pixels, over the limit of " + std::to_string(limits.max_pixels) + " pixels (--dpi, --max-pixels)");
  }
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_bgr24);
  renderer.set_render_hints(poppler::page_renderer::antialiasing | poppler::page_renderer::text_antialiasing);
  poppler::image image = renderer.render_page(sheet.get(), limits.render_dpi, limits.render_dpi);
  if (!image.is_valid() || image.width() < 4 || image.height() < 4) {
    return failure(StatusCode::kDecode, name + " cannot be rendered");
  }
  const cv::Mat pixels = bgr_of(image);
  return LoadedImage{pixels, {}, encode_png(pixels), "image/png"};
}

}  // namespace crossocr
