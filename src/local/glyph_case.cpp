#include "local/glyph_case.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>
#include <vector>

namespace crossocr {
namespace {

// Glyphs whose height is the cap height, and lower-case letters whose height is the x-height
// (no ascender, no descender). Ambiguous-by-size letters are in neither.
// (Q and J are left out: many fonts take them below the baseline.)
constexpr std::string_view kCapHeight = "ABDEFGHKLNPRTY0123456789bdfhk";
constexpr std::string_view kXHeight = "aemnr";

// The lower median: a glyph merged with a neighbouring speck is taller, never shorter.
std::optional<double> median(std::vector<double> v) {
  if (v.empty()) return std::nullopt;
  const auto middle = v.begin() + static_cast<std::ptrdiff_t>((v.size() - 1) / 2);
  std::nth_element(v.begin(), middle, v.end());
  return *middle;
}

char single_ascii(const Glyph& g) { return g.text.size() == 1 ? g.text[0] : '\0'; }

}  // namespace

bool case_told_by_size_only(char32_t letter) {
  const char32_t lower = letter >= U'A' && letter <= U'Z' ? letter + 32 : letter;
  return std::u32string_view(U"cosuvwxz").find(lower) != std::u32string_view::npos;
}

std::optional<bool> upper_case_by_size(const Reading& reading, std::size_t glyph_index) {
  const Glyph& glyph = reading.glyphs.at(glyph_index);
  const char c = single_ascii(glyph);
  if (c == '\0' || !case_told_by_size_only(static_cast<unsigned char>(c))) return std::nullopt;
  std::vector<double> caps, xs;
  for (std::size_t i = 0; i < reading.glyphs.size(); ++i) {
    const char r = single_ascii(reading.glyphs[i]);
    const double height = reading.glyphs[i].ink_height;
    if (i == glyph_index || r == '\0' || height <= 0) continue;
    if (kCapHeight.find(r) != std::string_view::npos) caps.push_back(height);
    if (kXHeight.find(r) != std::string_view::npos) xs.push_back(height);
  }
  const auto cap = median(caps), x = median(xs);
  const double h = glyph.ink_height;
  if (h <= 0) return std::nullopt;
  // In common fonts the x-height is 0.7-0.75 of the cap height: with one reference only, the
  // midpoint of that ratio and 1 splits the cases.
  if (cap && x) {
    // Capitals hardly taller than the x-height: noise (a line through the letters, a speck on
    // them) took over the heights, and they tell nothing.
    if (*cap <= *x * 1.1) return std::nullopt;
    return std::abs(h - *cap) < std::abs(h - *x);
  }
  if (cap) return h > 0.87 * *cap;
  if (x) return h > 1.17 * *x;
  return std::nullopt;
}

int correct_case_by_size(Reading& reading, const std::string& charset) {
  int changed = 0;
  for (std::size_t i = 0; i < reading.glyphs.size(); ++i) {
    const auto upper = upper_case_by_size(reading, i);
    if (!upper) continue;
    char& c = reading.glyphs[i].text[0];
    const char wanted = *upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                               : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!charset.empty() && charset.find(wanted) == std::string::npos) continue;
    if (wanted != c) {
      // The letter stays what the reader was sure of; only its case changes, and the case it
      // read becomes the runner-up in its place.
      for (GlyphChoice& a : reading.glyphs[i].alternatives) {
        if (a.text.size() == 1 && a.text[0] == wanted) a.text[0] = c;
      }
      c = wanted;
      ++changed;
    }
  }
  if (changed == 0) return 0;
  // Text is the glyphs joined by spaces and line breaks, and a case change keeps each glyph's
  // length: copy the glyphs back over the text.
  std::size_t pos = 0;
  for (const Glyph& g : reading.glyphs) {
    while (pos < reading.text.size() && (reading.text[pos] == ' ' || reading.text[pos] == '\n')) ++pos;
    if (pos + g.text.size() > reading.text.size()) break;
    reading.text.replace(pos, g.text.size(), g.text);
    pos += g.text.size();
  }
  return changed;
}

}  // namespace crossocr
