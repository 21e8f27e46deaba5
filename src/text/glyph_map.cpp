#include "text/glyph_map.hpp"

#include "crossocr/alignment.hpp"

#include <algorithm>

namespace crossocr {
namespace {

bool is_white_space(char32_t c) { return c == U' ' || c == U'\n' || c == U'\t' || c == U'\r'; }

bool is_space_glyph(const Glyph& glyph) {
  const std::u32string text = to_code_points(glyph.text);
  return std::all_of(text.begin(), text.end(), is_white_space);
}

}  // namespace

std::vector<int> glyph_of_each_code_point(const Reading& reading) {
  const std::u32string text = to_code_points(reading.text);
  const int glyphs = static_cast<int>(reading.glyphs.size());
  std::vector<int> glyph_of(text.size(), -1);
  int g = 0;
  const auto skip_space_glyphs = [&] {
    while (g < glyphs && is_space_glyph(reading.glyphs[g])) ++g;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_white_space(text[i])) continue;
    skip_space_glyphs();
    if (g >= glyphs || reading.glyphs[g].text != to_utf8(text.substr(i, 1))) return {};
    glyph_of[i] = g++;
  }
  skip_space_glyphs();
  if (g != glyphs) return {};
  return glyph_of;
}

}  // namespace crossocr
