#include "local/strip_recognizer.hpp"

#include "crossocr/alignment.hpp"
#include "crossocr/errors.hpp"
#include "crossocr/image_loader.hpp"
#include "local/local_engine.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace crossocr {
namespace {

// The recogniser alone on the bundled xor-strips (it never saw them: trained on generated strips
// only). Measured 95.7%; the floor catches a broken model, input or decoder.
TEST(StripRecognizer, TheCommittedModelReadsMostXorStripsAlone) {
  const auto recognizer = StripRecognizer::load(default_recognizer_path());
  ASSERT_NE(recognizer, nullptr) << "models/strip_recognizer.onnx is committed";
  std::ifstream labels(testing::data_path("xor-strips/labels.tsv"));
  int images = 0, exact = 0;
  for (std::string line; std::getline(labels, line);) {
    const auto tab = line.find('\t');
    const LoadedImage image = load_image(testing::data_path("xor-strips/" + line.substr(0, tab)));
    ASSERT_TRUE(image.ok());
    const Reading r = recognizer->read(image.pixels).reading;
    ++images;
    exact += r.text == line.substr(tab + 1);
    ASSERT_EQ(r.glyphs.size(), to_code_points(r.text).size());
    for (const Glyph& g : r.glyphs) ASSERT_TRUE(g.confidence > 0.0 && g.confidence <= 1.0);
  }
  EXPECT_EQ(images, 300);
  EXPECT_GE(exact, 282) << exact << "/" << images;  // 94%
}

// Reading by a majority of five variants (what an adapted network does) on the same strips: as
// accurate, and its glyph boxes moved back into each strip's own pixels, where the drawn strip's
// reading put them (within the variants' two pixels and 5%).
TEST(StripRecognizer, AMajorityOfVariantsKeepsBoxesInTheStrip) {
  const auto recognizer = StripRecognizer::load(default_recognizer_path());
  ASSERT_NE(recognizer, nullptr);
  std::ifstream labels(testing::data_path("xor-strips/labels.tsv"));
  int images = 0, exact = 0, compared = 0;
  for (std::string line; std::getline(labels, line);) {
    const auto tab = line.find('\t');
    const LoadedImage image = load_image(testing::data_path("xor-strips/" + line.substr(0, tab)));
    ASSERT_TRUE(image.ok());
    const Reading majority = recognizer->read_by_majority(image.pixels).reading;
    const Reading plain = recognizer->read(image.pixels).reading;
    ++images;
    exact += majority.text == line.substr(tab + 1);
    const cv::Rect whole({0, 0}, image.pixels.size());
    for (const Glyph& g : majority.glyphs) EXPECT_EQ(g.box & whole, g.box);
    if (majority.text != plain.text) continue;
    ++compared;
    for (std::size_t i = 0; i < plain.glyphs.size(); ++i) {
      const int slack = 3 + plain.glyphs[i].box.x / 20;
      EXPECT_NEAR(majority.glyphs[i].box.x, plain.glyphs[i].box.x, slack) << line;
      EXPECT_NEAR(majority.glyphs[i].box.br().x, plain.glyphs[i].box.br().x, slack) << line;
    }
  }
  EXPECT_EQ(images, 300);
  EXPECT_GE(exact, 282) << exact << "/" << images;
  EXPECT_GE(compared, 280);
}

// Runners-up are the next classes at the character's most certain step, less probable than it and
// best first; a charset restricts the characters and their runners-up alike (to digits, the seed's
// letters must become digits, not vanish).
TEST(StripRecognizer, RunnersUpAndCharsetRestriction) {
  const auto recognizer = StripRecognizer::load(default_recognizer_path());
  ASSERT_NE(recognizer, nullptr);
  const LoadedImage seed = load_image(testing::kSeedStrip);
  const Reading free = recognizer->read(seed.pixels).reading;
  for (const Glyph& g : free.glyphs) {
    double previous = g.confidence;
    for (const GlyphChoice& alternative : g.alternatives) {
      EXPECT_NE(alternative.text, g.text);
      EXPECT_LE(alternative.confidence, previous);
      previous = alternative.confidence;
    }
  }
  const std::string digits = "0123456789";
  const Reading restricted = recognizer->read(seed.pixels, digits).reading;
  EXPECT_GE(restricted.text.size(), 3u) << restricted.text;
  for (const Glyph& g : restricted.glyphs) {
    EXPECT_NE(digits.find(g.text), std::string::npos) << g.text;
    for (const GlyphChoice& alternative : g.alternatives) {
      EXPECT_NE(digits.find(alternative.text), std::string::npos) << alternative.text;
    }
  }
}

// CTC places a character in a step or two; its box reaches halfway to its neighbours, so the
// boxes tile the text in reading order, each about a letter wide, inside the image.
TEST(StripRecognizer, GlyphBoxesTileTheTextInReadingOrder) {
  const auto recognizer = StripRecognizer::load(default_recognizer_path());
  ASSERT_NE(recognizer, nullptr);
  const LoadedImage seed = load_image(testing::kSeedStrip);
  const Reading r = recognizer->read(seed.pixels).reading;
  ASSERT_EQ(r.text, "ZGUVU");
  const cv::Rect image(0, 0, seed.pixels.cols, seed.pixels.rows);
  for (std::size_t i = 0; i < r.glyphs.size(); ++i) {
    const cv::Rect& box = r.glyphs[i].box;
    EXPECT_EQ(box & image, box) << i;
    EXPECT_EQ(box.height, image.height);
    EXPECT_GT(box.width, image.width / 15) << i;
    EXPECT_LT(box.width, image.width / 3) << i;
    if (i > 0) {
      EXPECT_EQ(r.glyphs[i - 1].box.br().x, box.x) << i;
    }
  }
}

TEST(StripRecognizer, AMissingModelMeansTesseractOnlyAndABrokenOneIsAConfigError) {
  EXPECT_EQ(StripRecognizer::load("/nonexistent/strip_recognizer.onnx"), nullptr);
  testing::ScratchDir dir;
  const std::string broken = dir.write("broken.onnx", std::string("not a network"));
  EXPECT_THROW(StripRecognizer::load(broken), ConfigError);
  LocalOptions options;
  options.recognizer_path = "none";
  LocalEngine engine(options);
  EXPECT_EQ(engine.read(load_image(testing::kSeedStrip)).text, "ZGUVU");
}

}  // namespace
}  // namespace crossocr
