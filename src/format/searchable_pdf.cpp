// A searchable PDF, as Tesseract's PDF renderer and OCRmyPDF make them: each page the image
// itself, with the chosen text over it in invisible type (text render mode 3) at its words' boxes,
// so that a viewer can search and copy it. PDF 1.4 written by hand: a handful of objects.
#include "crossocr/page_formats.hpp"

#include "crossocr/alignment.hpp"
#include "crossocr/version.hpp"

#include "image/pix_codec.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace crossocr {
namespace {

// Courier is one of PDF's 14 standard fonts (no embedding) and every glyph of it is 0.6 em
// wide, so a word is stretched to its box without font metrics.
constexpr double kCourierAdvance = 0.6;

std::string fixed(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", value);
  return text;
}

// A PDF literal string in WinAnsiEncoding: Latin-1 characters as they are, others as '?'.
std::string pdf_string(std::string_view utf8) {
  std::string out = "(";
  for (char32_t c : to_code_points(utf8)) {
    const char byte = c >= 0x20 && c <= 0xff && c != 0x7f ? static_cast<char>(c) : '?';
    if (byte == '(' || byte == ')' || byte == '\\') out += '\\';
    out += byte;
  }
  return out + ")";
}

class PdfWriter {
 public:
  // Object numbers are handed out before the objects are written: pages refer to each other.
  // Every number reserved must be written before finish().
  int reserve() {
    offsets_.push_back(0);
    return static_cast<int>(offsets_.size());
  }

  void object(int number, const std::string& body) {
    offsets_[number - 1] = out_.size();
    out_ += std::to_string(number) + " 0 obj\n" + body + "\nendobj\n";
  }

  void stream(int number, const std::string& dictionary, const std::string& data) {
    object(number, "<< " + dictionary + " /Length " + std::to_string(data.size()) + " >>\nstream\n" + data +
                       "\nendstream");
  }

  std::string finish(int catalog, int info) {
    const std::size_t xref = out_.size();
    out_ += "xref\n0 " + std::to_string(offsets_.size() + 1) + "\n0000000000 65535 f \n";
    for (std::size_t offset : offsets_) {
      char entry[24];
      std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", offset);
      out_ += entry;
    }
    out_ += "trailer\n<< /Size " + std::to_string(offsets_.size() + 1) + " /Root " + std::to_string(catalog) +
            " 0 R /Info " + std::to_string(info) + " 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
    return std::move(out_);
  }

 private:
  std::string out_ = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";  // the binary comment marks the file as binary
  std::vector<std::size_t> offsets_;  // of object 1, 2, ...
};

// The invisible text of one page, in points (origin at the bottom left).
std::string text_layer(const PageLayout& layout, double points_per_pixel) {
  std::string content = "BT\n3 Tr\n";
  for (const LaidOutLine& line : layout.lines) {
    for (const LaidOutWord& word : line.words) {
      if (!word.box || word.box->width <= 0 || word.box->height <= 0) continue;  // nowhere to put it
      const std::size_t letters = to_code_points(word.text).size();
      const double size = word.box->height * points_per_pixel;
      const double stretch = word.box->width * points_per_pixel / (kCourierAdvance * size * letters);
      const double x = word.box->x * points_per_pixel;
      const double y = (layout.height - word.box->br().y) * points_per_pixel;
      content += "/F1 " + fixed(size) + " Tf " + fixed(stretch) + " 0 0 1 " + fixed(x) + " " + fixed(y) +
                 " Tm " + pdf_string(word.text) + " Tj\n";
    }
  }
  return content + "ET\n";
}

}  // namespace

std::string searchable_pdf(const std::vector<ImageResult>& pages, const std::vector<double>& pixels_per_inch) {
  PdfWriter pdf;
  const int catalog = pdf.reserve(), page_tree = pdf.reserve(), font = pdf.reserve(), info = pdf.reserve();
  std::string kids;
  std::size_t count = 0;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const ImageResult& result = pages[i];
    if (result.pixels.empty()) continue;  // a page that could not be read has no image to show
    ++count;
    const PageLayout layout = layout_of(result);
    const double points_per_pixel = 72.0 / (i < pixels_per_inch.size() ? pixels_per_inch[i] : 72.0);
    const double width = layout.width * points_per_pixel, height = layout.height * points_per_pixel;
    const int page = pdf.reserve(), content = pdf.reserve(), image = pdf.reserve();
    const std::vector<std::uint8_t> jpeg = encode_jpeg(result.pixels, 90);
    const bool gray = result.pixels.channels() == 1;
    pdf.stream(image,
               "/Type /XObject /Subtype /Image /Width " + std::to_string(result.pixels.cols) + " /Height " +
                   std::to_string(result.pixels.rows) + " /ColorSpace " + (gray ? "/DeviceGray" : "/DeviceRGB") +
                   " /BitsPerComponent 8 /Filter /DCTDecode",
               std::string(jpeg.begin(), jpeg.end()));
    const std::string draw_image = "q " + fixed(width) + " 0 0 " + fixed(height) + " 0 0 cm /Im0 Do Q\n";
    pdf.stream(content, "", draw_image + text_layer(layout, points_per_pixel));
    pdf.object(page, "<< /Type /Page /Parent " + std::to_string(page_tree) + " 0 R /MediaBox [0 0 " + fixed(width) +
                         " " + fixed(height) + "] /Contents " + std::to_string(content) +
                         " 0 R /Resources << /Font << /F1 " + std::to_string(font) + " 0 R >> /XObject << /Im0 " +
                         std::to_string(image) + " 0 R >> >> >>");
    kids += std::to_string(page) + " 0 R ";
  }
  pdf.object(font, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>");
  pdf.object(page_tree,
             "<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(count) + " >>");
  pdf.object(catalog, "<< /Type /Catalog /Pages " + std::to_string(page_tree) + " 0 R >>");
  pdf.object(info, "<< /Producer " + pdf_string(std::string("crossocr ") + version()) + " >>");
  return pdf.finish(catalog, info);
}

}  // namespace crossocr
