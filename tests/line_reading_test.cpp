// The general local reader's parts: CTC decoding, the line finder, the line reader network, the
// calibration, and the local engine reading ordinary labels line by line.
#include "crossocr/evaluation.hpp"
#include "crossocr/image_loader.hpp"
#include "local/local_engine.hpp"
#include "crossocr/errors.hpp"
#include "local/calibration.hpp"
#include "local/ctc_decoder.hpp"
#include "local/line_finder.hpp"
#include "local/line_reader.hpp"
#include "local/look_alike_repair.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <random>
#include <functional>
#include <set>
#include <tuple>

namespace crossocr {
namespace {

// Logits for `path` (one class per step, 0 = blank), the chosen class far above the rest.
std::vector<float> logits_for(const std::vector<int>& path, int classes, float margin = 8.0f) {
  const int steps = static_cast<int>(path.size());
  std::vector<float> logits(static_cast<std::size_t>(classes * steps), 0.0f);
  for (int t = 0; t < steps; ++t) logits[path[t] * steps + t] = margin;
  return logits;
}

TEST(CtcDecoder, MergesRepeatsDropsBlanksAndKeepsDoubledLettersApartByABlank) {
  const std::vector<std::string> symbols = {"a", "b", "€"};
  // a a _ a b _ _ € : "aab€"
  const std::vector<int> path = {1, 1, 0, 1, 2, 0, 0, 3};
  const auto logits = logits_for(path, 4);
  const CtcDecoded d = ctc_greedy_decode(logits.data(), 4, 8, symbols);
  std::string text;
  for (const Glyph& g : d.glyphs) text += g.text;
  EXPECT_EQ(text, "aab€");
  ASSERT_EQ(d.step_spans.size(), 4u);
  EXPECT_EQ(d.step_spans[0], std::make_pair(0, 1));
  EXPECT_EQ(d.step_spans[3], std::make_pair(7, 7));
  // Every step is 1 / (1 + 3 e^-8) sure: the path's log-probability is eight times that.
  EXPECT_NEAR(d.path_log_probability, 8 * std::log(1.0 / (1.0 + 3 * std::exp(-8.0))), 1e-6);
  // Restricted to "b€", the a-steps take their best allowed class instead.
  const CtcDecoded r = ctc_greedy_decode(logits.data(), 4, 8, symbols, classes_within(symbols, "b€"));
  for (const Glyph& g : r.glyphs) EXPECT_NE(g.text, "a");
}

// Draws lines of text, dark on light, as a label printer would.
cv::Mat label_image(const std::vector<std::string>& lines, double scale = 0.9) {
  const int line_height = static_cast<int>(34 * scale);
  cv::Mat image(static_cast<int>(lines.size()) * line_height + 12, 320, CV_8UC3, cv::Scalar(235, 240, 245));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    cv::putText(image, lines[i], {8, 6 + static_cast<int>(i + 1) * line_height - 8},
                cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(40, 30, 30), 2, cv::LINE_AA);
  }
  return image;
}

// A letter in a number becomes its look-alike digit when three digits stand with it, it is the
// only letter there, and the reader weighed the digit: "LOT 471l-B" is LOT 4711-B; codes and
// units ("274g") stay.
TEST(LookAlikeRepair, ALetterInANumberBecomesTheDigitItLooksLike) {
  const auto letter_weighing = [](const std::string& text, char letter, char digit, double doubt) {
    Reading r;
    r.text = text;
    for (char c : text) {
      if (c == ' ') continue;
      r.glyphs.push_back(Glyph{std::string(1, c), 0.9, cv::Rect(0, 0, 1, 1)});
      if (c == letter) r.glyphs.back().alternatives.push_back({std::string(1, digit), doubt});
    }
    return r;
  };
  const std::vector<std::tuple<std::string, char, char, double, std::string>> cases = {
      {"LOT 471l-B", 'l', '1', 0.24, "LOT 4711-B"},
      {"2O24-06", 'O', '0', 0.3, "2024-06"},
      {"471l-B", 'l', '1', 0.01, "471l-B"},     // the reader was sure of its l
      {"4lOl", 'l', '1', 0.3, "4lOl"},          // more than one letter: a code
      {"A7l9", 'l', '1', 0.3, "A7l9"},          // two digits only
      {"ABC-123", 'B', '8', 0.3, "ABC-123"},
      {"BGGM I309", 'I', '1', 0.3, "BGGM I309"},  // a code's letter group opening with I
      {"Battery 274g", 'g', '9', 0.3, "Battery 274g"},  // a unit closing the number
      {"Pack 274g 2", 'g', '9', 0.3, "Pack 274g 2"},
      {"Net 274g-5", 'g', '9', 0.3, "Net 2749-5"},      // inside a code, a misread digit
  };
  for (const auto& [text, letter, digit, doubt, repaired] : cases) {
    Reading r = letter_weighing(text, letter, digit, doubt);
    repair_look_alike_letters(r);
    EXPECT_EQ(r.text, repaired) << text;
  }
}

// Each digit's glyph weighs its look-alike letters as runners-up at `doubt`.
Reading spelled(const std::string& text, double doubt = 0.2) {
  Reading r;
  r.text = text;
  for (char c : text) {
    if (c == ' ' || c == '\n') continue;
    r.glyphs.push_back(Glyph{std::string(1, c), 0.9 - doubt, cv::Rect(0, 0, 1, 1)});
    for (const char* letters : {"0Oo", "1lI", "5Ss", "3E"}) {
      if (c != letters[0]) continue;
      for (const char* l = letters + 1; *l; ++l) r.glyphs.back().alternatives.push_back({std::string(1, *l), doubt});
    }
  }
  return r;
}

// After a repair, the glyphs still spell the text (spaces have none here).
void expect_glyphs_spell_text(const Reading& r, const std::string& read) {
  std::string glyphs;
  for (const Glyph& g : r.glyphs) glyphs += g.text;
  std::string text = r.text;
  std::erase(text, ' ');
  EXPECT_EQ(glyphs, text) << read;
}

// A test's is_word: case ignored, as TesseractEngine::is_word.
std::function<bool(const std::string&)> in_dictionary(const std::set<std::string>& dictionary) {
  return [dictionary](const std::string& w) {
    std::string lower = w;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return dictionary.contains(lower);
  };
}

// Digits inside a word become the letters they look like when that makes a dictionary word;
// codes, numbers and tokens that stay non-words are left as read, and glyphs follow the text.
TEST(LookAlikeRepair, DigitsInAWordBecomeItsLettersOnlyWhenThatMakesAWord) {
  const std::set<std::string> dictionary = {"unborn", "billboard", "reset", "box", "india"};
  const auto is_word = in_dictionary(dictionary);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"UNB0RN", "UNBORN"},          {"Bi1lboard.", "Billboard."},  {"Re5et now", "Reset now"},
      {"B0X", "B0X"},                // too short to tell from a code
      {"N82M 0Q8F", "N82M 0Q8F"},    // codes: no word either way
      {"12.50", "12.50"},            {"1NDIA 2024", "INDIA 2024"}, {"AB12CD", "AB12CD"},
  };
  for (const auto& [read, repaired] : cases) {
    Reading r = spelled(read);
    repair_look_alike_digits(r, is_word);
    EXPECT_EQ(r.text, repaired) << read;
    expect_glyphs_spell_text(r, read);
  }
  // A 5 the reader was sure of (S no runner-up) stays a 5: "UP5ET" may be a code.
  Reading sure = spelled("Re5et", 0.01);
  repair_look_alike_digits(sure, is_word);
  EXPECT_EQ(sure.text, "Re5et");
  // Space glyphs (the line reader's) do not upset the glyph for each character.
  Reading spaced = spelled("Re5et now");
  spaced.glyphs.insert(spaced.glyphs.begin() + 5, Glyph{" ", 0.9, cv::Rect(0, 0, 1, 1)});
  repair_look_alike_digits(spaced, is_word);
  EXPECT_EQ(spaced.text, "Reset now");
  // Glyphs that do not spell the text: left alone.
  Reading odd = spelled("UNB0RN");
  odd.glyphs.pop_back();
  repair_look_alike_digits(odd, is_word);
  EXPECT_EQ(odd.text, "UNB0RN");
}

// Letters read as look-alike letters inside words: a capital of a size-only letter inside an
// otherwise small word becomes small, a single l for I (or I for l) that makes a non-word a word
// is swapped; each only where the glyph weighed the other letter. Codes stay as read.
TEST(LookAlikeRepair, LettersInAWordBecomeTheirLookAlikesOnlyWhenTheReaderWeighedThem) {
  const std::set<std::string> dictionary = {"invoice", "item", "sign", "hello", "line", "oven", "cocoa",
                                            "coco", "iily", "iliy"};
  const auto is_word = in_dictionary(dictionary);
  // Each glyph weighs the other case and, for l and I, the other letter at `doubt`.
  const auto weighing = [](const std::string& text, double doubt) {
    Reading r;
    r.text = text;
    for (char c : text) {
      if (c == ' ') continue;
      r.glyphs.push_back(Glyph{std::string(1, c), 0.9, cv::Rect(0, 0, 1, 1)});
      auto& runners_up = r.glyphs.back().alternatives;
      if (std::isalpha(static_cast<unsigned char>(c)) != 0) {
        const char other = std::isupper(static_cast<unsigned char>(c)) != 0
                               ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                               : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        runners_up.push_back({std::string(1, other), doubt});
      }
      if (c == 'l') runners_up.push_back({"I", doubt});
      if (c == 'I') runners_up.push_back({"l", doubt});
    }
    return r;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"InvOice #5912", "Invoice #5912"},
      {"ltem: UJ4CZTCA", "Item: UJ4CZTCA"},
      {"SlGN", "SIGN"},
      {"heIlo", "hello"},
      {"Iine", "line"},
      {"OVEN", "OVEN"},        // a word in capitals keeps them
      {"CoCoa", "Cocoa"},
      {"COCO", "COCO"},        // capitals of size-only letters alone: a word in capitals
      {"ZxVq", "ZxVq"},        // no word: a code
      {"Illy", "Illy"},        // two swaps would each make a word ("IIly", "IlIy"): left as read
      {"Inv0ice", "Inv0ice"},  // a digit in it: the digit repair's
      {"0ltem", "0ltem"},      // a code, though its letters would spell a word
  };
  for (const auto& [read, repaired] : cases) {
    Reading r = weighing(read, 0.2);
    repair_look_alike_letters_in_words(r, is_word);
    EXPECT_EQ(r.text, repaired) << read;
    expect_glyphs_spell_text(r, read);
  }
  // Where the reader was sure (the other letter no runner-up), the text stays as read.
  Reading sure = weighing("InvOice", 0.01);
  repair_look_alike_letters_in_words(sure, is_word);
  EXPECT_EQ(sure.text, "InvOice");
  Reading sure_l = weighing("ltem", 0.01);
  repair_look_alike_letters_in_words(sure_l, is_word);
  EXPECT_EQ(sure_l.text, "ltem");
}

TEST(LineFinder, FindsEachLineOfALabelInOrderAndNoneOnABlankImage) {
  const cv::Mat three = label_image({"Invoice: 4471", "12.50 EUR", "2024-03-01"});
  const TextLines found = find_text_lines(three);
  ASSERT_EQ(found.lines.size(), 3u);
  for (std::size_t i = 1; i < found.lines.size(); ++i) {
    EXPECT_LT(found.lines[i - 1].bounds.y, found.lines[i].bounds.y) << "lines out of order";
  }
  EXPECT_EQ(find_text_lines(label_image({"ABC-123"})).lines.size(), 1u);
  const cv::Mat blank(60, 200, CV_8UC3, cv::Scalar(255, 255, 255));
  EXPECT_TRUE(find_text_lines(blank).lines.empty());
}

// Lines set tightly: the first line's descenders reach below the rows where the second line's
// capitals begin (at other columns). A straight cut at the emptiest row took their tails off (q
// read as a, j as i, y as v) and gave them to the line below; each tail stays with its letter.
TEST(LineFinder, DescendersStayWithTheirLineWhenTheNextLineStartsAboveThem) {
  const cv::Scalar ground(235, 240, 245), ink(40, 30, 30);
  const auto draw = [&](cv::Mat& image, const std::string& text, cv::Point baseline) {
    cv::putText(image, text, baseline, cv::FONT_HERSHEY_SIMPLEX, 1.0, ink, 2, cv::LINE_AA);
  };
  cv::Mat first_alone(80, 360, CV_8UC3, ground);
  draw(first_alone, "abcdex     gjpqy", {8, 30});
  cv::Mat grey, dark;
  cv::cvtColor(first_alone, grey, cv::COLOR_BGR2GRAY);
  std::vector<cv::Point> first_ink;
  cv::findNonZero(grey < 128, first_ink);
  int lowest_tail = 0;
  for (const cv::Point& p : first_ink) lowest_tail = std::max(lowest_tail, p.y);

  cv::Mat label = first_alone.clone();
  draw(label, "AB 12", {8, lowest_tail + 20});  // capitals start above the tails' ends
  const TextLines found = find_text_lines(label);
  ASSERT_EQ(found.lines.size(), 2u);
  EXPECT_EQ(found.skew_degrees, 0.0);
  const TextLine& first = found.lines[0];
  ASSERT_GT(first.bounds.br().y, lowest_tail) << "the first line ends above its own tails";
  cv::cvtColor(first.pixels.row(lowest_tail - first.bounds.y), dark, cv::COLOR_BGR2GRAY);
  EXPECT_GT(cv::countNonZero(dark < 128), 0) << "the tails' last row is not in the first line";
  // The second line holds none of the tails: nothing dark right of its own text.
  const TextLine& second = found.lines[1];
  cv::cvtColor(second.pixels, grey, cv::COLOR_BGR2GRAY);
  std::vector<cv::Point> second_ink;
  cv::findNonZero(grey < 128, second_ink);
  for (const cv::Point& p : second_ink) ASSERT_LT(p.x + second.bounds.x, 200) << "a tail reached the second line";
}

TEST(LineFinder, ASkewedLabelIsStraightenedBeforeItsLinesAreCut) {
  const cv::Mat level = label_image({"+44 96 0325392", "17.6%"});
  cv::Mat skewed;
  const cv::Mat turn = cv::getRotationMatrix2D(cv::Point2f(level.cols / 2.f, level.rows / 2.f), 3.0, 1.0);
  cv::warpAffine(level, skewed, turn, level.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  const TextLines found = find_text_lines(skewed);
  EXPECT_EQ(found.lines.size(), 2u);
  EXPECT_NEAR(std::abs(found.skew_degrees), 3.0, 1.0);
}

Candidate network_candidate(ReaderKind reader, const std::string& text, double path_probability) {
  Candidate c;
  c.reader = reader;
  c.reading.text = text;
  for (char ch : text) {
    Glyph g;
    g.text = std::string(1, ch);
    g.confidence = 0.9;
    c.reading.glyphs.push_back(g);
  }
  c.path_log_probability = std::log(path_probability);
  return c;
}

TEST(Calibration, FitsAProbabilityThatMatchesTheRateOfRightAnswers) {
  // Two situations: the line reader's text agreed on by the strip recogniser (right 95% of the
  // time here) and the line reader alone (right 40%). The fit must say about that of each,
  // whatever the uncalibrated guess said.
  LineEvidence agreed, alone;
  agreed.candidates = {network_candidate(ReaderKind::kLine, "K7QX", 0.8),
                       network_candidate(ReaderKind::kStrip, "K7QX", 0.8)};
  alone.candidates = {network_candidate(ReaderKind::kLine, "K7QX", 0.8)};
  const std::vector<double> agreed_row = candidate_features(agreed, 0), alone_row = candidate_features(alone, 0);
  std::mt19937 rng(3);
  std::vector<std::vector<double>> rows;
  std::vector<bool> right;
  for (int i = 0; i < 4000; ++i) {
    const bool both = i % 2 == 0;
    rows.push_back(both ? agreed_row : alone_row);
    right.push_back(std::uniform_real_distribution<>(0, 1)(rng) < (both ? 0.95 : 0.40));
  }
  const Calibration c = Calibration::fit(rows, right);
  EXPECT_NEAR(c.probability(agreed_row), 0.95, 0.02);
  EXPECT_NEAR(c.probability(alone_row), 0.40, 0.03);

  testing::ScratchDir dir;
  c.save(dir.file("calibration.json"), "test");
  const Calibration loaded = Calibration::load(dir.file("calibration.json"));
  EXPECT_TRUE(loaded.fitted());
  EXPECT_DOUBLE_EQ(loaded.probability(agreed_row), c.probability(agreed_row));
  EXPECT_THROW(Calibration::load(dir.write("bad.json", std::string("{\"version\":5,\"weights\":[1,2]}"))),
               ConfigError);
  EXPECT_FALSE(Calibration::load(dir.file("missing.json")).fitted());
}

// The second stage: chosen readings said to be 0.6 sure but right 85% of the time, and 0.9 sure
// but right 80% (the surer claim less often right: the fit must stay monotone), map accordingly.
TEST(Calibration, TheChosenReadingsMapIsMonotoneAndSurvivesSaving) {
  std::vector<double> claimed;
  std::vector<bool> right;
  for (int i = 0; i < 1000; ++i) {
    claimed.push_back(0.2);
    right.push_back(i % 10 == 0);  // 10%
    claimed.push_back(0.6);
    right.push_back(i % 20 < 17);  // 85%
    claimed.push_back(0.9);
    right.push_back(i % 5 < 4);  // 80%: pooled with 0.6
  }
  Calibration c;
  EXPECT_DOUBLE_EQ(c.reading_probability(0.6), 0.6);  // no map: the identity
  c.fit_reading_map(claimed, right);
  EXPECT_NEAR(c.reading_probability(0.2), 0.10, 1e-9);
  EXPECT_NEAR(c.reading_probability(0.75), 0.825, 1e-9);  // 0.6 and 0.9 pooled: their mean
  EXPECT_NEAR(c.reading_probability(0.95), 0.825, 1e-9);  // flat beyond the last knot
  EXPECT_GT(c.reading_probability(0.5), c.reading_probability(0.3));  // linear between knots
  for (double p = 0.0; p < 1.0; p += 0.01) EXPECT_LE(c.reading_probability(p), c.reading_probability(p + 0.01));

  // Readings of several lines have their own map; without one, the identity.
  EXPECT_DOUBLE_EQ(c.lines_probability(0.6), 0.6);
  c.fit_lines_map({0.3, 0.3, 0.9, 0.9}, {false, true, true, true});
  EXPECT_DOUBLE_EQ(c.lines_probability(0.3), 0.5);
  EXPECT_DOUBLE_EQ(c.lines_probability(0.9), 1.0);

  testing::ScratchDir dir;
  c.save(dir.file("calibration.json"), "test");
  EXPECT_DOUBLE_EQ(Calibration::load(dir.file("calibration.json")).reading_probability(0.4), c.reading_probability(0.4));
  EXPECT_DOUBLE_EQ(Calibration::load(dir.file("calibration.json")).lines_probability(0.6), c.lines_probability(0.6));
  nlohmann::json bad = nlohmann::json::parse(std::ifstream(dir.file("calibration.json")));
  bad["reading_map"]["to"] = {0.9, 0.1};  // falling: not a map this fit makes
  EXPECT_THROW(Calibration::load(dir.write("falling.json", bad.dump())), ConfigError);
}

// Labels right only half the time (remote readings): a reading matching its label 40% of the
// time is right 80% of the time, since a right reading matches only a right label; never above 1.
TEST(Calibration, AMapFittedOnLabelsRightHalfTheTimeDividesByThatShare) {
  std::vector<double> claimed;
  std::vector<bool> matched;
  for (int i = 0; i < 100; ++i) {
    claimed.push_back(0.5);
    matched.push_back(i % 5 < 2);  // 40%
    claimed.push_back(0.9);
    matched.push_back(i % 5 < 3);  // 60%: over the share, capped
  }
  Calibration c;
  c.fit_reading_map(claimed, matched, 0.5);
  EXPECT_NEAR(c.reading_probability(0.5), 0.8, 1e-9);
  EXPECT_DOUBLE_EQ(c.reading_probability(0.9), 1.0);
  c.fit_lines_map(claimed, matched, 0.5);
  EXPECT_NEAR(c.lines_probability(0.5), 0.8, 1e-9);
}

// The committed line reader alone, on the bundled printed labels (generated by another recipe
// than its training lines, never trained on). The floor catches a broken model, input or decoder.
TEST(LineReader, TheCommittedModelReadsPrintedLabelsAlone) {
  const auto reader = LineReader::load(default_line_reader_path());
  ASSERT_NE(reader, nullptr) << "models/line_reader.onnx is committed";
  const LabelledSet set = load_labelled_set(testing::data_path("printed-labels"));
  int exact = 0;
  for (const auto& [file, expected] : set.items) {
    const LoadedImage image = load_image(set.dir + "/" + file);
    ASSERT_TRUE(image.ok()) << file;
    const NetworkReading r = reader->read(image.pixels);
    exact += r.reading.text == expected;
    ASSERT_LE(r.path_log_probability, 0.0);
    for (const Glyph& g : r.reading.glyphs) ASSERT_TRUE(g.confidence > 0.0 && g.confidence <= 1.0);
  }
  EXPECT_GE(exact, 174) << exact << "/" << set.items.size();  // reads 180
}

TEST(LineReader, AMissingModelIsNothingAndOneWithoutItsCharacterSetIsAConfigError) {
  EXPECT_EQ(LineReader::load("/nonexistent/line_reader.onnx"), nullptr);
  testing::ScratchDir dir;
  const std::string onnx = dir.write("line_reader.onnx", testing::read_bytes(default_line_reader_path()));
  EXPECT_THROW(LineReader::load(onnx), ConfigError);  // no line_reader.json beside it
}

TEST(LocalEngine, ReadsAMultiLineLabelLineByLineJoinedWithNewlines) {
  LocalEngine engine(LocalOptions{});
  const LabelledSet set = load_labelled_set(testing::data_path("multiline-labels"));
  int exact = 0, multi = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    const auto& [file, expected] = set.items[i];
    const Reading r = engine.read(load_image(set.dir + "/" + file));
    ASSERT_TRUE(r.ok()) << file << ": " << r.status.message();
    exact += r.text == expected;
    multi += r.text.find('\n') != std::string::npos;
    EXPECT_GE(r.confidence, 0.0);
    EXPECT_LE(r.confidence, 1.0);
  }
  EXPECT_GE(multi, 18);  // one of these 20 reads better as one line
  EXPECT_GE(exact, 11) << exact << "/20";
}

TEST(LocalEngine, ABlankImageReadsAsNothingWithNoConfidence) {
  LocalEngine engine(LocalOptions{});
  testing::ScratchDir dir;
  const std::string path = dir.file("blank.png");
  testing::write_solid_png(path, 200, 50);
  const Reading r = engine.read(load_image(path));
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.text, "");
  EXPECT_LT(r.confidence, 0.2);
}

}  // namespace
}  // namespace crossocr
