// The chosen text of a result cut into lines and words, each with the box the local reader's
// glyphs give it (see crossocr/page_formats.hpp).
#include "crossocr/alignment.hpp"
#include "crossocr/page_formats.hpp"

namespace crossocr {
namespace {

bool is_space(char32_t c) { return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r'; }

// The reading whose glyphs hold boxes for the chosen text: a remote reading has none.
const Reading* box_source(const ImageResult& result) {
  if (result.verdict) return result.local ? &*result.local : nullptr;
  return &result.reading;
}

struct CharacterBox {
  std::optional<cv::Rect> box;
  double confidence;
};

// Each character of `ink` (the chosen text without its spaces) with the box of the glyph it aligns
// with. A character read alike keeps its glyph's confidence; one the glyph read otherwise (the
// remote's text chosen over it) has the box but the result's confidence, not the glyph's.
std::vector<CharacterBox> character_boxes(const std::u32string& ink, const Reading* source, double fallback) {
  std::vector<CharacterBox> boxes(ink.size(), CharacterBox{std::nullopt, fallback});
  if (source == nullptr) return boxes;
  std::u32string glyph_text;
  std::vector<const Glyph*> glyph_of;  // per code point of glyph_text
  for (const Glyph& glyph : source->glyphs) {
    for (char32_t c : to_code_points(glyph.text)) {
      if (is_space(c)) continue;
      glyph_text += c;
      glyph_of.push_back(&glyph);
    }
  }
  // Aligned back to front: of equally short alignments, align() puts extra characters as early as
  // it can; reversed, they land at the end, where a remote reader's extra word ("12.58 EUR" for
  // "12.50") usually is.
  const std::u32string glyphs_reversed(glyph_text.rbegin(), glyph_text.rend());
  const std::u32string ink_reversed(ink.rbegin(), ink.rend());
  for (const AlignedPair& pair : align(to_utf8(glyphs_reversed), to_utf8(ink_reversed))) {
    if (pair.left_index < 0 || pair.right_index < 0) continue;
    const Glyph& glyph = *glyph_of[glyph_text.size() - 1 - pair.left_index];
    CharacterBox& box = boxes[ink.size() - 1 - pair.right_index];
    if (glyph.box.area() > 0) box.box = glyph.box;
    if (pair.op == EditOp::kMatch) box.confidence = glyph.confidence;
  }
  return boxes;
}

void add_box(std::optional<cv::Rect>& into, const std::optional<cv::Rect>& box) {
  if (box) into = into ? (*into | *box) : *box;
}

}  // namespace

PageLayout layout_of(const ImageResult& result) {
  PageLayout page{result.width, result.height, {}};
  if (!result.ok()) return page;
  const std::string& text = result.verdict ? result.verdict->text : result.reading.text;
  const double confidence = result.verdict ? result.verdict->confidence : result.reading.confidence;
  const std::u32string all = to_code_points(text);
  std::u32string ink;
  for (char32_t c : all) {
    if (!is_space(c)) ink += c;
  }
  const std::vector<CharacterBox> boxes = character_boxes(ink, box_source(result), confidence);

  std::size_t next = 0;  // index into ink / boxes
  LaidOutLine line;
  std::u32string word;
  LaidOutWord laid{"", std::nullopt, 1.0};
  const auto end_word = [&] {
    if (word.empty()) return;
    laid.text = to_utf8(word);
    add_box(line.box, laid.box);
    line.words.push_back(std::move(laid));
    word.clear();
    laid = LaidOutWord{"", std::nullopt, 1.0};
  };
  const auto end_line = [&] {
    end_word();
    if (!line.words.empty()) page.lines.push_back(std::move(line));
    line = LaidOutLine{};
  };
  for (char32_t c : all) {
    if (c == U'\n') {
      end_line();
    } else if (is_space(c)) {
      end_word();
    } else {
      word += c;
      add_box(laid.box, boxes[next].box);
      laid.confidence = std::min(laid.confidence, boxes[next].confidence);
      ++next;
    }
  }
  end_line();
  return page;
}

}  // namespace crossocr
