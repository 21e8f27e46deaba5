// `crossocr adapt`, run for real: Debian's PyTorch fine-tunes the shipped recogniser on a small
// bundled set for well under a minute, and the model it writes is read by the CLI.
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace crossocr {
namespace {

using testing::run_cli;
using testing::ScratchDir;

TEST(Adapt, FineTunesOnALabelledSetAndTheModelReads) {
  ScratchDir dir;
  const std::string model = dir.file("pycaptcha.onnx");
  const auto adapt = run_cli({"adapt", testing::data_path("pycaptcha-upper"), "-o", model, "--minutes", "0.75"});
  ASSERT_EQ(adapt.exit_code, 0) << adapt.out << adapt.err;
  EXPECT_NE(adapt.out.find("strips seen"), std::string::npos) << adapt.out;  // progress
  EXPECT_NE(adapt.out.find("held-back exact"), std::string::npos) << adapt.out;
  ASSERT_TRUE(std::filesystem::exists(model));
  const auto meta = nlohmann::json::parse(std::ifstream(dir.file("pycaptcha.json")));
  EXPECT_EQ(meta["examples"].get<int>() + meta["held_back"].get<int>() + meta["left_out"].get<int>(), 35);
  EXPECT_GT(meta["held_back"].get<int>(), 0);
  EXPECT_GT(meta["steps"].get<int>(), 0);
  EXPECT_LE(meta["minutes"].get<double>(), 0.75 + 0.25);  // the budget, start-up and writing included
  EXPECT_TRUE(meta["validation_exact"].contains("base"));
  EXPECT_TRUE(meta["validation_exact"].contains("adapted"));

  const auto read = run_cli({"--recognizer", model, "--format", "jsonl", testing::kSeedStrip});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  const auto row = nlohmann::json::parse(read.out);
  EXPECT_FALSE(row["text"].get<std::string>().empty());
  EXPECT_EQ(row["recognizer"], model);  // results say which recogniser read them
  const auto shipped = run_cli({"--format", "jsonl", testing::kSeedStrip});
  EXPECT_EQ(nlohmann::json::parse(shipped.out)["recognizer"], "shipped");
}

TEST(Adapt, AModelSavedByNameIsReadByName) {
  ScratchDir dir;
  setenv("XDG_DATA_HOME", dir.file("data").c_str(), 1);
  const auto adapt = run_cli({"adapt", testing::data_path("seed"), testing::data_path("xor-strips"), "-o", "mykind",
                              "--minutes", "0.5"});
  ASSERT_EQ(adapt.exit_code, 0) << adapt.out << adapt.err;
  EXPECT_TRUE(std::filesystem::exists(dir.file("data/crossocr/recognizers/mykind.onnx")));
  EXPECT_NE(adapt.out.find("--recognizer mykind"), std::string::npos) << adapt.out;
  const auto read = run_cli({"--recognizer", "mykind", testing::kSeedStrip});
  EXPECT_EQ(read.exit_code, 0) << read.err;
  const auto missing = run_cli({"--recognizer", "nosuchkind", testing::kSeedStrip});
  EXPECT_EQ(missing.exit_code, 3);
  EXPECT_NE(missing.err.find("nosuchkind"), std::string::npos) << missing.err;
  unsetenv("XDG_DATA_HOME");
}

TEST(Adapt, ASourceThatIsNotALabelledSetIsNamed) {
  ScratchDir dir;
  const auto r = run_cli({"adapt", dir.file("nowhere"), "-o", dir.file("m.onnx")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("nowhere"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Traceback"), std::string::npos) << r.err;
}

// Reading never needs PyTorch; adapting without it says what to install and trains nothing.
TEST(Adapt, WithoutPyTorchSaysWhatToInstall) {
  ScratchDir dir;
  setenv("CROSSOCR_PYTHON", "/bin/false", 1);
  const auto r = run_cli({"adapt", testing::data_path("seed"), "-o", dir.file("m.onnx")});
  unsetenv("CROSSOCR_PYTHON");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("apt-get install python3-torch"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.onnx")));
}

}  // namespace
}  // namespace crossocr
