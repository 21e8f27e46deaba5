// hOCR, ALTO 4 and TSV documents from laid-out pages (crossocr/page_formats.hpp). Each writer
// follows the layout Tesseract's own renderers give: one block and one paragraph per page, its
// lines, their words.
#include "crossocr/page_formats.hpp"

#include "crossocr/version.hpp"

#include <cmath>
#include <cstdio>

namespace crossocr {
namespace {

std::string xml_escaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        // XML 1.0 allows no control characters but tab, newline and carriage return.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += c;
    }
  }
  return out;
}

std::string number(double value, const char* format = "%.2f") {
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::optional<cv::Rect> union_of_lines(const PageLayout& page) {
  std::optional<cv::Rect> box;
  for (const LaidOutLine& line : page.lines) {
    if (line.box) box = box ? (*box | *line.box) : *line.box;
  }
  return box;
}

// --- hOCR, as Tesseract's TessHOcrRenderer writes it ---

std::string hocr_bbox(const std::optional<cv::Rect>& box) {
  if (!box) return "";
  return "bbox " + std::to_string(box->x) + " " + std::to_string(box->y) + " " + std::to_string(box->br().x) + " " +
         std::to_string(box->br().y);
}

// A title's properties joined by "; ", leaving out the empty ones (a box that is not known).
std::string hocr_title(std::initializer_list<std::string> properties) {
  std::string title;
  for (const std::string& p : properties) {
    if (p.empty()) continue;
    if (!title.empty()) title += "; ";
    title += p;
  }
  return title;
}

void hocr_page(std::string& out, const ImageResult& result, int n) {
  const PageLayout page = layout_of(result);
  const std::string id = std::to_string(n);
  out += "  <div class='ocr_page' id='page_" + id + "' title='" +
         xml_escaped(hocr_title({"image \"" + result.file + "\"",
                                 hocr_bbox(cv::Rect(0, 0, page.width, page.height)),
                                 "ppageno " + std::to_string(n - 1)})) +
         "'>\n";
  if (page.lines.empty()) {
    out += "  </div>\n";
    return;
  }
  const std::string block_box = hocr_bbox(union_of_lines(page));
  out += "   <div class='ocr_carea' id='block_" + id + "_1' title=\"" + block_box + "\">\n";
  out += "    <p class='ocr_par' id='par_" + id + "_1' lang='eng' title=\"" + block_box + "\">\n";
  int word_number = 0;
  for (std::size_t l = 0; l < page.lines.size(); ++l) {
    const LaidOutLine& line = page.lines[l];
    out += "     <span class='ocr_line' id='line_" + id + "_" + std::to_string(l + 1) + "' title=\"" +
           hocr_bbox(line.box) + "\">\n";
    for (const LaidOutWord& word : line.words) {
      out += "      <span class='ocrx_word' id='word_" + id + "_" + std::to_string(++word_number) + "' title='" +
             hocr_title({hocr_bbox(word.box), "x_wconf " + std::to_string(std::lround(100 * word.confidence))}) +
             "'>" + xml_escaped(word.text) + "</span>\n";
    }
    out += "     </span>\n";
  }
  out += "    </p>\n   </div>\n  </div>\n";
}

std::string hocr_document(const std::vector<ImageResult>& pages) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
      "    \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
      "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
      " <head>\n  <title></title>\n"
      "  <meta http-equiv=\"Content-Type\" content=\"text/html;charset=utf-8\"/>\n"
      "  <meta name='ocr-system' content='crossocr " + std::string(version()) + "' />\n"
      "  <meta name='ocr-capabilities' content='ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf'/>\n"
      " </head>\n <body>\n";
  for (std::size_t i = 0; i < pages.size(); ++i) hocr_page(out, pages[i], static_cast<int>(i + 1));
  out += " </body>\n</html>\n";
  return out;
}

// --- ALTO 4 (alto-4-2.xsd): positions are optional attributes, left out when not known ---

std::string alto_position(const std::optional<cv::Rect>& box) {
  if (!box) return "";
  return " HPOS=\"" + std::to_string(box->x) + "\" VPOS=\"" + std::to_string(box->y) + "\" WIDTH=\"" +
         std::to_string(box->width) + "\" HEIGHT=\"" + std::to_string(box->height) + "\"";
}

void alto_page(std::string& out, const ImageResult& result, int n) {
  const PageLayout page = layout_of(result);
  const std::string id = std::to_string(n);
  const std::string size = "WIDTH=\"" + std::to_string(page.width) + "\" HEIGHT=\"" + std::to_string(page.height) + "\"";
  out += "\t\t<Page ID=\"page_" + id + "\" PHYSICAL_IMG_NR=\"" + id + "\" " + size + ">\n";
  out += "\t\t\t<PrintSpace HPOS=\"0\" VPOS=\"0\" " + size + ">\n";
  if (!page.lines.empty()) {
    out += "\t\t\t\t<TextBlock ID=\"block_" + id + "_1\"" + alto_position(union_of_lines(page)) + ">\n";
    int word_number = 0;
    for (std::size_t l = 0; l < page.lines.size(); ++l) {
      const LaidOutLine& line = page.lines[l];
      out += "\t\t\t\t\t<TextLine ID=\"line_" + id + "_" + std::to_string(l + 1) + "\"" + alto_position(line.box) + ">\n";
      for (std::size_t w = 0; w < line.words.size(); ++w) {
        const LaidOutWord& word = line.words[w];
        if (w > 0) out += "\t\t\t\t\t\t<SP/>\n";
        out += "\t\t\t\t\t\t<String ID=\"string_" + id + "_" + std::to_string(++word_number) + "\"" +
               alto_position(word.box) + " WC=\"" + number(word.confidence, "%.4f") + "\" CONTENT=\"" +
               xml_escaped(word.text) + "\"/>\n";
      }
      out += "\t\t\t\t\t</TextLine>\n";
    }
    out += "\t\t\t\t</TextBlock>\n";
  }
  out += "\t\t\t</PrintSpace>\n\t\t</Page>\n";
}

std::string alto_document(const std::vector<ImageResult>& pages) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<alto xmlns=\"http://www.loc.gov/standards/alto/ns-v4#\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://www.loc.gov/standards/alto/ns-v4# "
      "http://www.loc.gov/alto/v4/alto-4-2.xsd\">\n"
      "\t<Description>\n\t\t<MeasurementUnit>pixel</MeasurementUnit>\n";
  if (!pages.empty()) {
    out += "\t\t<sourceImageInformation>\n\t\t\t<fileName>" + xml_escaped(pages.front().file) +
           "</fileName>\n\t\t</sourceImageInformation>\n";
  }
  out += "\t\t<Processing ID=\"processing_1\">\n\t\t\t<processingSoftware>\n"
         "\t\t\t\t<softwareName>crossocr</softwareName>\n\t\t\t\t<softwareVersion>" +
         std::string(version()) + "</softwareVersion>\n\t\t\t</processingSoftware>\n\t\t</Processing>\n"
         "\t</Description>\n\t<Layout>\n";
  for (std::size_t i = 0; i < pages.size(); ++i) alto_page(out, pages[i], static_cast<int>(i + 1));
  out += "\t</Layout>\n</alto>\n";
  return out;
}

// --- Tesseract's TSV: levels 1 page, 2 block, 3 paragraph, 4 line, 5 word; conf -1 but on words ---

std::string tsv_row(int level, int page, int block, int par, int line, int word, const std::optional<cv::Rect>& box,
                    const std::string& conf, const std::string& text) {
  const cv::Rect b = box.value_or(cv::Rect(-1, -1, -1, -1));
  std::string row;
  for (int v : {level, page, block, par, line, word, b.x, b.y, b.width, b.height}) row += std::to_string(v) + "\t";
  // A word holds no tab or line break: the chosen text was cut at them.
  return row + conf + "\t" + text + "\n";
}

std::string tsv_document(const std::vector<ImageResult>& pages) {
  std::string out = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n";
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const PageLayout page = layout_of(pages[i]);
    const int p = static_cast<int>(i + 1);
    out += tsv_row(1, p, 0, 0, 0, 0, cv::Rect(0, 0, page.width, page.height), "-1", "");
    if (page.lines.empty()) continue;
    const std::optional<cv::Rect> block = union_of_lines(page);
    out += tsv_row(2, p, 1, 0, 0, 0, block, "-1", "");
    out += tsv_row(3, p, 1, 1, 0, 0, block, "-1", "");
    for (std::size_t l = 0; l < page.lines.size(); ++l) {
      const LaidOutLine& line = page.lines[l];
      const int ln = static_cast<int>(l + 1);
      out += tsv_row(4, p, 1, 1, ln, 0, line.box, "-1", "");
      for (std::size_t w = 0; w < line.words.size(); ++w) {
        const LaidOutWord& word = line.words[w];
        out += tsv_row(5, p, 1, 1, ln, static_cast<int>(w + 1), word.box, number(100 * word.confidence, "%.6f"),
                       word.text);
      }
    }
  }
  return out;
}

}  // namespace

std::string page_document(PageFormat format, const std::vector<ImageResult>& pages) {
  switch (format) {
    case PageFormat::kHocr: return hocr_document(pages);
    case PageFormat::kAlto: return alto_document(pages);
    case PageFormat::kTsv: return tsv_document(pages);
  }
  return {};
}

const char* format_name(PageFormat format) {
  switch (format) {
    case PageFormat::kHocr: return "hocr";
    case PageFormat::kAlto: return "alto";
    case PageFormat::kTsv: return "tsv";
  }
  return "";
}

const char* file_extension(PageFormat format) {
  switch (format) {
    case PageFormat::kHocr: return "hocr";
    case PageFormat::kAlto: return "xml";
    case PageFormat::kTsv: return "tsv";
  }
  return "txt";
}

}  // namespace crossocr
