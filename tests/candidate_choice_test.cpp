// The choice among a line's candidate readings, with the shipped calibration and the evidence the
// engine gathered for a handwritten-digit strip (a kind the line reader never saw) with a
// recogniser adapted to that kind.
#include "local/candidate_choice.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace crossocr {
namespace {

// A reading of these glyphs, each as sure as `confidence` (or as the `confidences` given).
Reading reading(const std::vector<std::string>& glyphs, double confidence, std::vector<double> confidences = {}) {
  Reading r;
  for (std::size_t i = 0; i < glyphs.size(); ++i) {
    r.text += glyphs[i];
    r.glyphs.push_back(Glyph{glyphs[i], i < confidences.size() ? confidences[i] : confidence, {}});
  }
  return r;
}

Candidate network(ReaderKind reader, Reading r, double path_log_probability, bool adapted = false) {
  Candidate c{reader, std::move(r), path_log_probability};
  c.adapted = adapted;
  return c;
}

class AdaptedRecognizer : public ::testing::Test {
 protected:
  void SetUp() override {
    calibration = Calibration::load(default_calibration_path());
    ASSERT_TRUE(calibration.fitted());
    // `654726` in handwriting: the line reader unsure of a wrong reading, the adapted recogniser
    // sure of the right one, Tesseract's variants reading something else again.
    evidence.candidates.push_back(
        network(ReaderKind::kLine, reading({"G", "5", "€", "1", "2", "6"}, 1.0, {0.81, 1, 0.53}), -1.766));
    evidence.candidates.push_back(
        network(ReaderKind::kStrip, reading({"6", "5", "4", "7", "2", "6"}, 1.0, {0.988}), -0.034, /*adapted=*/true));
    for (const char* tesseract : {"C5 72.6", "G* +72.6", "Gs 7-6"}) {
      std::vector<std::string> glyphs;
      for (const char* c = tesseract; *c; ++c) {
        if (*c != ' ') glyphs.emplace_back(1, *c);
      }
      Candidate c{ReaderKind::kTesseract, reading(glyphs, 0.9)};
      c.reading.text = tesseract;
      evidence.candidates.push_back(c);
    }
    evidence.tesseract_ran = true;
    // What makes the rule needed: the shipped calibration prefers the line reader here.
    ASSERT_EQ(most_probable(evidence, calibration).text, "G5€126");
  }

  Calibration calibration;
  LineEvidence evidence;
};

TEST_F(AdaptedRecognizer, ItsSureReadingOverridesALoneUnsureLineReader) {
  const Reading chosen = final_choice(evidence, calibration);
  EXPECT_EQ(chosen.text, "654726");
  EXPECT_GT(chosen.confidence, 0.0);
  EXPECT_LT(chosen.confidence, 1.0);
}

TEST_F(AdaptedRecognizer, ASecondReaderBehindTheChoiceKeepsIt) {
  evidence.candidates[2].reading = reading({"G", "5", "€", "1", "2", "6"}, 0.9);
  EXPECT_EQ(final_choice(evidence, calibration).text, most_probable(evidence, calibration).text);
  EXPECT_NE(final_choice(evidence, calibration).text, "654726");
}

TEST_F(AdaptedRecognizer, AnUnsureLetterLeavesTheCalibratedChoice) {
  evidence.candidates[1].reading.glyphs[3].confidence = 0.5;
  EXPECT_EQ(final_choice(evidence, calibration).text, "G5€126");
}

TEST_F(AdaptedRecognizer, TheShippedRecogniserHasNoSuchSay) {
  evidence.candidates[1].adapted = false;
  EXPECT_EQ(final_choice(evidence, calibration).text, "G5€126");
}

TEST_F(AdaptedRecognizer, OnlyCodesOfFourToSevenCharacters) {
  evidence.candidates[1].reading = reading({"6", "5", "4", "7", "2", "6", "1", "2"}, 1.0);
  EXPECT_EQ(final_choice(evidence, calibration).text, "G5€126");
}

}  // namespace
}  // namespace crossocr
