#include "crossocr/output.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace crossocr {
namespace {

TEST(Output, JsonCarriesTextConfidenceGlyphsAndNoErrorOnSuccess) {
  ImageResult r;
  r.file = "a b.png";
  r.reading.text = "Ab\n\"c\"";
  r.reading.confidence = 0.91234;
  r.reading.variant = "polarity";
  r.reading.glyphs.push_back(Glyph{"A", 0.5, cv::Rect(1, 2, 3, 4)});
  r.reading.glyphs.push_back(Glyph{"b", 0.6, cv::Rect(5, 2, 3, 4)});
  r.reading.glyphs.back().alternatives = {{"h", 0.25}};
  const std::string line = result_to_json(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["file"], "a b.png");
  EXPECT_EQ(j["mode"], "local");
  EXPECT_EQ(j["text"], "Ab\n\"c\"");
  EXPECT_DOUBLE_EQ(j["confidence"].get<double>(), 0.912);
  EXPECT_FALSE(j.contains("error"));
  EXPECT_EQ(j["glyphs"][0]["box"], nlohmann::json({1, 2, 3, 4}));
  EXPECT_FALSE(j["glyphs"][0].contains("alternatives"));
  EXPECT_EQ(j["glyphs"][1]["alternatives"][0]["text"], "h");
  EXPECT_DOUBLE_EQ(j["glyphs"][1]["alternatives"][0]["confidence"].get<double>(), 0.25);
  // Lines and words: "Ab" has the glyphs' boxes, the quoted line none (no glyph was read there).
  ASSERT_EQ(j["lines"].size(), 2u);
  EXPECT_EQ(j["lines"][0]["text"], "Ab");
  EXPECT_EQ(j["lines"][0]["box"], nlohmann::json({1, 2, 7, 4}));
  EXPECT_EQ(j["lines"][0]["words"][0]["box"], nlohmann::json({1, 2, 7, 4}));
  EXPECT_DOUBLE_EQ(j["lines"][0]["words"][0]["confidence"].get<double>(), 0.5);
  EXPECT_EQ(j["lines"][1]["words"][0]["text"], "\"c\"");
  EXPECT_TRUE(j["lines"][1]["words"][0]["box"].is_null());
}

TEST(Output, JsonOfAFailureCarriesTheError) {
  ImageResult r;
  r.file = "x.png";
  r.reading.status = Status(StatusCode::kDecode, "file is empty");
  const auto j = nlohmann::json::parse(result_to_json(r));
  EXPECT_EQ(j["error"], "file is empty");
  EXPECT_EQ(j["text"], "");
}

TEST(Output, InvalidUtf8InAFileNameDoesNotThrow) {
  ImageResult r;
  r.file = std::string("bad\xff.png");
  EXPECT_NO_THROW(result_to_json(r));
}

TEST(Output, EscapedLinesUseTheLabelsTsvEscapes) {
  EXPECT_EQ(escape_line("a\nb\tc\\d"), "a\\nb\\tc\\\\d");
  EXPECT_EQ(escape_line("plain"), "plain");
}

// A provider's answer "ZG<ESC>]0;pwned<BEL><ESC>[2J<CR>UVU" would retitle and clear a terminal.
TEST(Output, ControlCharactersAreShownNotObeyed) {
  EXPECT_EQ(without_control_characters("ZG\x1b]0;pwned\x07\x1b[2J\rUVU"),
            "ZG\\x1b]0;pwned\\x07\\x1b[2J\\x0dUVU");
  EXPECT_EQ(without_control_characters("two\nlines\tand tab"), "two\nlines\tand tab");
  EXPECT_EQ(without_control_characters("ß and 日"), "ß and 日");
}

}  // namespace
}  // namespace crossocr