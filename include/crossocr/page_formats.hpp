// Page formats: a document's results as hOCR (as Tesseract writes it), ALTO 4 or Tesseract's TSV,
// with word and line boxes and confidences. Pure functions: safe from any thread.
//
// The text is the result's chosen text, in every mode. Its boxes come from the local reading
// (the result's own in local mode, the vote's local side in vote mode) aligned to that text, so
// a character the local reader did not see has no box; a word or line none of whose characters
// has one is written without a box, in each format's way (hOCR: no bbox; ALTO: no position
// attributes; TSV: -1 in left, top, width and height, as its conf column says "none" with -1).
#pragma once

#include "crossocr/reader.hpp"

#include <optional>
#include <string>
#include <vector>

namespace crossocr {

enum class PageFormat { kHocr, kAlto, kTsv };

// A word of the chosen text: what it says, its box in the image's pixels when known, and how sure
// the reader was of it in [0, 1] (its least sure character's confidence, else the result's own).
struct LaidOutWord {
  std::string text;
  std::optional<cv::Rect> box;
  double confidence = 0.0;
};

struct LaidOutLine {
  std::vector<LaidOutWord> words;
  std::optional<cv::Rect> box;  // the union of its words' boxes
};

// One page (an image, or a page of a document): its size and its lines, top to bottom.
struct PageLayout {
  int width = 0, height = 0;
  std::vector<LaidOutLine> lines;
};

PageLayout layout_of(const ImageResult& result);

// A whole document: one page per result (the pages of one input, in order). A result that could
// not be read is a page without text.
std::string page_document(PageFormat format, const std::vector<ImageResult>& pages);

// A searchable PDF of a document: each page its image (ImageResult::pixels; a page without them,
// one that could not be read, is left out) under its chosen text in invisible type at its words'
// boxes. A page's size is its pixels at pixels_per_inch[i] (72 when not given: a pixel a point).
std::string searchable_pdf(const std::vector<ImageResult>& pages, const std::vector<double>& pixels_per_inch = {});

// "hocr", "alto" or "tsv", as --format names it.
const char* format_name(PageFormat format);

// File extension for per-input outputs: "hocr", "xml" or "tsv".
const char* file_extension(PageFormat format);

}  // namespace crossocr
