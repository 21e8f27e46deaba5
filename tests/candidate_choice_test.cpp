// The choice among a line's candidate readings, with the shipped calibration: the evidence the
// engine gathered for a handwritten-digit strip (a kind the line reader never saw) with a
// recogniser adapted to that kind, and for a printed label in a face no reader trained on.
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

// A reading of `text` as Tesseract spells it: one glyph per character but spaces, each as sure
// as `confidence`.
Reading spelled(const std::string& text, double confidence) {
  Reading r;
  r.text = text;
  for (char c : text) {
    if (c != ' ') r.glyphs.push_back(Glyph{std::string(1, c), confidence, {}});
  }
  return r;
}

Candidate network(ReaderKind reader, Reading r, double path_log_probability, bool adapted = false) {
  Candidate c{reader, std::move(r), path_log_probability};
  c.adapted = adapted;
  return c;
}

// The shipped calibration, and the evidence a fixture gathers for one line.
class ShippedCalibration : public ::testing::Test {
 protected:
  void SetUp() override {
    calibration = Calibration::load(default_calibration_path());
    ASSERT_TRUE(calibration.fitted());
  }

  Calibration calibration;
  LineEvidence evidence;
};

class AdaptedRecognizer : public ShippedCalibration {
 protected:
  void SetUp() override {
    ShippedCalibration::SetUp();
    if (HasFatalFailure()) return;
    // `654726` in handwriting: the line reader unsure of a wrong reading, the adapted recogniser
    // sure of the right one, Tesseract's variants reading something else again.
    evidence.candidates.push_back(
        network(ReaderKind::kLine, reading({"G", "5", "€", "1", "2", "6"}, 1.0, {0.81, 1, 0.53}), -1.766));
    evidence.candidates.push_back(
        network(ReaderKind::kStrip, reading({"6", "5", "4", "7", "2", "6"}, 1.0, {0.988}), -0.034, /*adapted=*/true));
    for (const char* tesseract : {"C5 72.6", "G* +72.6", "Gs 7-6"}) {
      evidence.candidates.push_back(Candidate{ReaderKind::kTesseract, spelled(tesseract, 0.9)});
    }
    evidence.tesseract_ran = true;
    // What makes the rule needed: the shipped calibration prefers the line reader here.
    ASSERT_EQ(most_probable(evidence, calibration).text, "G5€126");
  }
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

// A printed label in a face no reader trained on (`41% off, 7 for $28`): the line reader unsure of
// a reading no one shares, two of Tesseract's variants agreeing on one close to it.
class UnsureLineReader : public ShippedCalibration {
 protected:
  void SetUp() override {
    ShippedCalibration::SetUp();
    if (HasFatalFailure()) return;
    evidence.candidates.push_back(network(ReaderKind::kLine, spelled("41% off,7 for $28", 0.8), -1.8));
    evidence.candidates.push_back(network(ReaderKind::kStrip, spelled("4tkoff7fors28", 0.7), -1.13));
    Candidate tesseract{ReaderKind::kTesseract, spelled("41% off, 7 for $28", 0.9)};
    tesseract.votes = 2;
    evidence.candidates.push_back(tesseract);
    evidence.tesseract_ran = true;
    // What makes the rule needed: the calibration, weighing each candidate alone, prefers the
    // line reader.
    ASSERT_EQ(most_probable(evidence, calibration).text, "41% off,7 for $28");
  }
};

TEST_F(UnsureLineReader, TesseractsAgreeingVariantsTakeTheLine) {
  const Reading chosen = final_choice(evidence, calibration);
  EXPECT_EQ(chosen.text, "41% off, 7 for $28");
  EXPECT_GT(chosen.confidence, 0.0);
  EXPECT_LT(chosen.confidence, 1.0);
}

TEST_F(UnsureLineReader, NotWhereTheLineReaderIsSure) {
  evidence.candidates[0].path_log_probability = -1.0;
  EXPECT_EQ(final_choice(evidence, calibration).text, most_probable(evidence, calibration).text);
}

TEST_F(UnsureLineReader, NotOnASingleVariantsReading) {
  evidence.candidates[2].votes = 1;
  EXPECT_EQ(final_choice(evidence, calibration).text, "41% off,7 for $28");
}

TEST_F(UnsureLineReader, NotOnAWhollyDifferentOrEmptyReading) {
  evidence.candidates[2].reading = spelled("Al o6 Zfer 8", 0.9);
  EXPECT_EQ(final_choice(evidence, calibration).text, "41% off,7 for $28");
  evidence.candidates[2].reading = spelled("", 0.9);
  EXPECT_EQ(final_choice(evidence, calibration).text, "41% off,7 for $28");
}

TEST_F(UnsureLineReader, NotWhereASecondReaderSharesTheLineReadersText) {
  evidence.candidates[1].reading = spelled("41% off,7 for $28", 0.7);
  EXPECT_EQ(final_choice(evidence, calibration).text, "41% off,7 for $28");
}

}  // namespace
}  // namespace crossocr
