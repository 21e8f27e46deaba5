// The built crossocr binary, run as a process the way a user runs it.
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace crossocr {
namespace {

using testing::kSeedStrip;
using testing::run_cli;
using testing::ScratchDir;

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

TEST(Cli, ReadsTheSeedStrip) {
  const auto r = run_cli({"--mode", "local", kSeedStrip});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ZGUVU\n");
  EXPECT_EQ(r.err, "");
}

TEST(Cli, BadInputsInABatchAreReportedAndTheGoodOnesStillRead) {
  ScratchDir dir;
  const std::vector<std::string> bad = testing::write_bad_inputs(dir);
  std::vector<std::string> args = {"--format", "jsonl", kSeedStrip};
  args.insert(args.end(), bad.begin(), bad.end());
  args.push_back(kSeedStrip);
  const auto r = run_cli(args);

  EXPECT_EQ(r.exit_code, 1);
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), bad.size() + 2);
  EXPECT_EQ(rows.front()["text"], "ZGUVU");
  EXPECT_EQ(rows.back()["text"], "ZGUVU");
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const auto& row = rows[i + 1];
    EXPECT_EQ(row["file"], bad[i]);
    ASSERT_TRUE(row.contains("error")) << bad[i];
    // Standard error names the file and the cause on one line.
    EXPECT_NE(r.err.find("crossocr: " + bad[i] + ": " + row["error"].get<std::string>() + "\n"),
              std::string::npos)
        << r.err;
  }
}

TEST(Cli, EachBadInputAloneFailsWithStatusOne) {
  ScratchDir dir;
  for (const std::string& bad : testing::write_bad_inputs(dir)) {
    const auto r = run_cli({bad});
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_EQ(r.out, "") << bad;
    EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
  }
}

TEST(Cli, JsonIsOneArrayInInputOrder) {
  const auto r = run_cli({"--format", "json", "--jobs", "2", kSeedStrip, "nope.png", kSeedStrip});
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["text"], "ZGUVU");
  EXPECT_EQ(j[1]["file"], "nope.png");
  EXPECT_EQ(j[1]["error"], "no such file");
  EXPECT_EQ(j[2]["text"], "ZGUVU");
  EXPECT_GT(j[0]["confidence"].get<double>(), 0.5);
  EXPECT_EQ(j[0]["glyphs"].size(), 5u);
}

TEST(Cli, TextFormatForSeveralImagesIsFileTabText) {
  const auto r = run_cli({kSeedStrip, kSeedStrip});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kSeedStrip + "\tZGUVU\n" + kSeedStrip + "\tZGUVU\n");
}

TEST(Cli, ReadsStandardInput) {
  const auto r = run_cli({"-"}, kSeedStrip);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ZGUVU\n");
}

TEST(Cli, OutputFileReceivesTheResults) {
  ScratchDir dir;
  const std::string out = dir.file("results.jsonl");
  const auto r = run_cli({"--format", "jsonl", "-o", out, kSeedStrip});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  std::ifstream in(out);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(nlohmann::json::parse(line)["text"], "ZGUVU");
}

TEST(Cli, RemoteAndVoteSayTheyAreNotAvailableYet) {
  for (const char* mode : {"remote", "vote"}) {
    const auto r = run_cli({"--mode", mode, kSeedStrip});
    EXPECT_EQ(r.exit_code, 4) << mode;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("not available yet"), std::string::npos) << r.err;
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_cli({}).exit_code, 2);
  EXPECT_EQ(run_cli({"--mode", "psychic", kSeedStrip}).exit_code, 2);
  EXPECT_EQ(run_cli({"--jobs", "0", kSeedStrip}).exit_code, 2);
  EXPECT_EQ(run_cli({"-", "-"}).exit_code, 2);
}

TEST(Cli, MissingLanguageDataExitsThree) {
  ScratchDir empty;
  const auto r = run_cli({"--tessdata", empty.path().string(), kSeedStrip});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("tesseract-ocr-eng"), std::string::npos) << r.err;
}

TEST(Cli, HelpAndVersion) {
  const auto help = run_cli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--mode"), std::string::npos);
  EXPECT_NE(help.out.find("Exit status"), std::string::npos);
  const auto version = run_cli({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("crossocr ", 0), 0u);
}

}  // namespace
}  // namespace crossocr
