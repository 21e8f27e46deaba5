// Accuracy floors on the bundled labelled sets, through the built CLI as a user would run it.
// The floors are what this version is known to reach, a little below the figures in the README,
// so that a change that makes reading worse fails here.
#include "crossocr/evaluation.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace crossocr {
namespace {

struct SetScore {
  int images = 0;
  int exact = 0;
  double rate() const { return images == 0 ? 0.0 : static_cast<double>(exact) / images; }
};

SetScore score_set(const std::string& set) {
  std::map<std::string, std::string> labels;
  std::ifstream tsv(testing::data_path(set + "/labels.tsv"));
  std::vector<std::string> args = {"--format", "jsonl"};
  for (std::string line; std::getline(tsv, line);) {
    const auto tab = line.find('\t');
    const std::string file = testing::data_path(set + "/" + line.substr(0, tab));
    labels[file] = unescape_label(line.substr(tab + 1));
    args.push_back(file);
  }
  const auto run = testing::run_cli(args);
  SetScore score;
  std::istringstream out(run.out);
  for (std::string line; std::getline(out, line);) {
    const auto row = nlohmann::json::parse(line);
    ++score.images;
    if (row["text"] == labels.at(row["file"].get<std::string>())) ++score.exact;
  }
  EXPECT_EQ(score.images, static_cast<int>(labels.size())) << run.err;
  return score;
}

struct Floor {
  const char* set;
  double exact;  // case-sensitive: every bundled set's labels carry case
};

class Accuracy : public ::testing::TestWithParam<Floor> {};

TEST_P(Accuracy, StaysAboveItsFloor) {
  const SetScore s = score_set(GetParam().set);
  RecordProperty("exact", std::to_string(s.rate()));
  EXPECT_GE(s.rate(), GetParam().exact) << s.exact << "/" << s.images;
}

// The bundled copies are the shared sets' first images (all of xor-strips, pycaptcha-upper and the
// two label sets, 50 of each other CAPTCHA set); models/README.md has what this version reads.
INSTANTIATE_TEST_SUITE_P(BundledSets, Accuracy,
                         ::testing::Values(Floor{"seed", 1.0}, Floor{"xor-strips", 0.93},
                                           Floor{"keras-captcha", 0.84},
                                           Floor{"svg-captcha", 0.82},
                                           Floor{"svg-captcha-upper", 0.88},
                                           Floor{"pycaptcha-upper", 0.77},
                                           Floor{"tesseract-testing", 0.50},
                                           Floor{"printed-labels", 0.89},
                                           Floor{"trial-labels", 1.0},
                                           Floor{"multiline-labels", 0.64}),
                         [](const ::testing::TestParamInfo<Floor>& info) {
                           std::string name = info.param.set;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// The confidence of a local reading is a calibrated probability: on the bundled label sets (never
// used in fitting it) its expected calibration error stays small, and the results it does not
// flag at the default --flag-below are nearly all right. Read from `crossocr eval`'s report.
TEST(Calibration, LocalConfidenceMeansWhatItSaysOnTheBundledLabelSets) {
  testing::ScratchDir dir;
  const auto run = testing::run_cli({"eval", testing::data_path("printed-labels"),
                                     testing::data_path("multiline-labels"), "--no-store", "--report",
                                     dir.file("report")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::ifstream in(dir.file("report/report.json"));
  const auto report = nlohmann::json::parse(in);
  ASSERT_EQ(report["summary"].size(), 2u);
  // Floors as measured with line reader stage 4, a little below: printed labels 100% unflagged
  // right; multi-line labels 94.9% (a text of several lines keeps the product of its lines'
  // first-stage probabilities, which claims too much there: the mark is 98%).
  const std::map<std::string, double> unflagged_floor = {{"printed-labels", 0.98}, {"multiline-labels", 0.94}};
  for (const auto& s : report["summary"]) {
    const auto& m = s;
    EXPECT_LE(m["calibration_error"].get<double>(), 0.13) << s["set"];
    EXPECT_GE(m["unflagged_accuracy"].get<double>(), unflagged_floor.at(s["set"].get<std::string>())) << s["set"];
    EXPECT_FALSE(m["reliability"].empty());
  }
}

}  // namespace
}  // namespace crossocr
