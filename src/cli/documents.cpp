#include "cli/documents.hpp"

#include "crossocr/page_formats.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace crossocr::cli {
namespace {

PageFormat page_format(OutputFormat format) {
  switch (format) {
    case OutputFormat::kAlto: return PageFormat::kAlto;
    case OutputFormat::kTsv: return PageFormat::kTsv;
    default: return PageFormat::kHocr;
  }
}

bool is_pdf_file(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".pdf";
}

}  // namespace

bool is_document(OutputFormat format) {
  return format == OutputFormat::kHocr || format == OutputFormat::kAlto || format == OutputFormat::kTsv ||
         format == OutputFormat::kPdf;
}

std::string document_name(OutputFormat format) {
  return format == OutputFormat::kPdf ? "pdf" : format_name(page_format(format));
}

std::string document_extension(OutputFormat format) {
  return format == OutputFormat::kPdf ? "pdf" : file_extension(page_format(format));
}

std::string make_document(OutputFormat format, const std::vector<ImageResult>& pages, unsigned render_dpi) {
  if (format != OutputFormat::kPdf) return page_document(page_format(format), pages);
  std::vector<double> pixels_per_inch;
  for (const ImageResult& page : pages) pixels_per_inch.push_back(is_pdf_file(page.file) ? render_dpi : 72.0);
  return searchable_pdf(pages, pixels_per_inch);
}

}  // namespace crossocr::cli
