#include "local/glyph_case.hpp"

#include <gtest/gtest.h>

namespace crossocr {
namespace {

// A one-line reading whose glyphs have the given letters and ink heights (0: unmeasured); its
// text is the letters, or `text` when given (a reader may set words apart).
Reading line_of(const std::string& letters, const std::vector<double>& heights,
                const std::string& text = {}) {
  Reading reading;
  reading.text = text.empty() ? letters : text;
  for (std::size_t i = 0; i < letters.size(); ++i) {
    Glyph g;
    g.text = std::string(1, letters[i]);
    g.confidence = 0.9;
    g.ink_height = heights.at(i);
    reading.glyphs.push_back(g);
  }
  return reading;
}

TEST(GlyphCase, OnlyLettersWhoseCasesShareAShape) {
  for (char32_t c : std::u32string(U"cosuvwxzCOSUVWXZ")) EXPECT_TRUE(case_told_by_size_only(c));
  for (char32_t c : std::u32string(U"aAbBkKpP0y")) EXPECT_FALSE(case_told_by_size_only(c));
}

TEST(GlyphCase, SizeAgainstCapitalsAndXHeightSettlesCase) {
  // A and 7 are capital-high (30), e and n x-high (21).
  Reading r = line_of("AWe7vnC", {30, 20, 21, 30, 31, 21, 29});
  EXPECT_EQ(upper_case_by_size(r, 1), false);  // W as high as e: w
  EXPECT_EQ(upper_case_by_size(r, 4), true);   // v as high as A: V
  EXPECT_EQ(upper_case_by_size(r, 0), std::nullopt);  // A: its case is in its shape
  EXPECT_EQ(correct_case_by_size(r), 2);
  EXPECT_EQ(r.text, "Awe7VnC");
}

TEST(GlyphCase, OneKindOfReferenceIsEnough) {
  Reading caps_only = line_of("ABs", {30, 30, 29});
  EXPECT_EQ(upper_case_by_size(caps_only, 2), true);
  Reading x_only = line_of("anS", {20, 21, 20});
  EXPECT_EQ(upper_case_by_size(x_only, 2), false);
  Reading none = line_of("sx", {20, 30});
  EXPECT_EQ(upper_case_by_size(none, 0), std::nullopt);  // nothing to judge against
}

// A line through the letters makes the x-height letters look as high as the capitals: the
// heights say nothing, and nothing changes.
TEST(GlyphCase, HeightsThatContradictTheFontsProportionsAreIgnored) {
  Reading r = line_of("4yceX", {29, 27, 23, 27, 27});
  EXPECT_EQ(upper_case_by_size(r, 4), std::nullopt);
  EXPECT_EQ(correct_case_by_size(r), 0);
  EXPECT_EQ(r.text, "4yceX");
}

TEST(GlyphCase, NeverLeavesTheCharset) {
  Reading r = line_of("ABCW", {30, 30, 20, 21});
  EXPECT_EQ(correct_case_by_size(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), 0);
  EXPECT_EQ(r.text, "ABCW");
  EXPECT_EQ(correct_case_by_size(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZw"), 1);
  EXPECT_EQ(r.text, "ABCw");
}

// The letter stays what the reader was sure of; the case it read becomes the runner-up.
TEST(GlyphCase, TheCaseReadBecomesTheRunnerUp) {
  Reading r = line_of("ABW", {30, 30, 21});
  r.glyphs[2].alternatives = {{"w", 0.3}, {"M", 0.05}};
  EXPECT_EQ(correct_case_by_size(r), 1);
  EXPECT_EQ(r.text, "ABw");
  EXPECT_DOUBLE_EQ(r.glyphs[2].confidence, 0.9);
  ASSERT_EQ(r.glyphs[2].alternatives.size(), 2u);
  EXPECT_EQ(r.glyphs[2].alternatives[0].text, "W");
  EXPECT_EQ(r.glyphs[2].alternatives[1].text, "M");
}

TEST(GlyphCase, TextKeepsItsSpacesWhenGlyphsChange) {
  Reading r = line_of("ABcd", {30, 30, 30, 30}, "AB c d");
  EXPECT_EQ(correct_case_by_size(r), 1);
  EXPECT_EQ(r.text, "AB C d");
}

}  // namespace
}  // namespace crossocr
