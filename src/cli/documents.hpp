// --format hocr|alto|tsv|pdf: a document per input, made of its pages' results once the last is
// read (for standard output or -o, or a file of --output-dir).
#pragma once

#include "cli/cli_options.hpp"

#include <string>
#include <vector>

namespace crossocr::cli {

bool is_document(OutputFormat format);

// As --format names it ("hocr"), and the extension of its files in --output-dir ("xml" for alto).
std::string document_name(OutputFormat format);
std::string document_extension(OutputFormat format);

// The document of one input's pages. A PDF's pages are sized from their pixels at the resolution
// they were rendered at (pages of a PDF input: render_dpi), else a pixel a point.
std::string make_document(OutputFormat format, const std::vector<ImageResult>& pages, unsigned render_dpi);

}  // namespace crossocr::cli
