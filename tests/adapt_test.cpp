// `crossocr adapt`, run for real: Debian's PyTorch fine-tunes the shipped recogniser on a small
// bundled set for well under a minute, and the model it writes is read by the CLI.
#include "crossocr/errors.hpp"
#include "local/adapted_kind.hpp"
#include "local/model_path.hpp"
#include "simulated_vision_model.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace crossocr {
namespace {

using testing::run_cli;
using testing::ScratchDir;

// The project's simulated vision model on loopback, right on `accuracy` of a set's images.
class SimulatedServer {
 public:
  SimulatedServer(const std::string& set, double accuracy) : model_({set}, accuracy, 3) {
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      res.set_content(model_.respond(req.body), "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~SimulatedServer() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }

 private:
  testing::SimulatedVisionModel model_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// The CLI run in `mode` against the simulated model with a key for this run only: readings paid
// for, to adapt from.
testing::ProcessResult read_remotely(const SimulatedServer& remote, const std::string& mode,
                                     std::vector<std::string> args, const std::vector<std::string>& images) {
  args.insert(args.begin(), {"--mode", mode, "--base-url", remote.base_url()});
  args.insert(args.end(), images.begin(), images.end());
  setenv("GROQ_API_KEY", "sim-key", 1);
  auto result = run_cli(args);
  unsetenv("GROQ_API_KEY");
  return result;
}

std::vector<std::string> images_of(const std::string& set) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(set)) {
    if (e.path().extension() == ".png") out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Adapt, FineTunesOnALabelledSetAndTheModelReads) {
  ScratchDir dir;
  const std::string model = dir.file("pycaptcha.onnx");
  const auto adapt = run_cli({"adapt", testing::data_path("pycaptcha-upper"), "-o", model, "--minutes", "0.75"});
  ASSERT_EQ(adapt.exit_code, 0) << adapt.out << adapt.err;
  EXPECT_NE(adapt.out.find("strips seen"), std::string::npos) << adapt.out;  // progress
  EXPECT_NE(adapt.out.find("held-back exact"), std::string::npos) << adapt.out;
  ASSERT_TRUE(std::filesystem::exists(model));
  const auto meta = nlohmann::json::parse(std::ifstream(dir.file("pycaptcha.json")));
  EXPECT_EQ(meta["labelled_examples"].get<int>() + meta["held_back"].get<int>(), 35);
  EXPECT_GT(meta["held_back"].get<int>(), 0);
  EXPECT_GT(meta["steps"].get<int>(), 0);
  EXPECT_LE(meta["minutes"].get<double>(), 0.75 + 0.25);  // the budget, start-up and writing included
  EXPECT_TRUE(meta["validation"].contains("base"));
  EXPECT_TRUE(meta["validation"].contains("adapted"));

  // Results say which recogniser read them: the adapted one, surer on its own kind, reads some
  // of these; the shipped one the strips it is surer of.
  std::vector<std::string> args = {"--recognizer", model, "--format", "jsonl"};
  for (const std::string& image : images_of(testing::data_path("pycaptcha-upper"))) args.push_back(image);
  const auto read = run_cli(args);
  ASSERT_EQ(read.exit_code, 0) << read.err;
  std::istringstream rows(read.out);
  int by_model = 0, read_rows = 0;
  for (std::string line; std::getline(rows, line); ++read_rows) {
    const auto row = nlohmann::json::parse(line);
    EXPECT_FALSE(row["text"].get<std::string>().empty());
    EXPECT_TRUE(row["recognizer"] == model || row["recognizer"] == "shipped") << line;
    by_model += row["recognizer"] == model ? 1 : 0;
  }
  EXPECT_EQ(read_rows, 35);
  EXPECT_GT(by_model, 0);
  const auto shipped = run_cli({"--format", "jsonl", testing::kSeedStrip});
  EXPECT_EQ(nlohmann::json::parse(shipped.out)["recognizer"], "shipped");
}

// Remote readings as pseudo-labels: a vote run against a model that is right 60% of the time,
// its JSONL the source. Only readings a second reader confirms are learnt from.
TEST(Adapt, LearnsFromConfirmedRemoteReadingsInAVoteJsonl) {
  ScratchDir dir;
  const std::string set = testing::data_path("pycaptcha-upper");
  SimulatedServer remote(set, 0.6);
  const auto vote = read_remotely(remote, "vote", {"--no-cache", "--format", "jsonl", "-o", dir.file("vote.jsonl")},
                                  images_of(set));
  ASSERT_NE(vote.exit_code, 3) << vote.err;

  const std::string model = dir.file("pseudo.onnx");
  const auto adapt = run_cli({"adapt", dir.file("vote.jsonl"), "-o", model, "--minutes", "0.5"});
  ASSERT_EQ(adapt.exit_code, 0) << adapt.out << adapt.err;
  EXPECT_NE(adapt.out.find("remote readings confirmed"), std::string::npos) << adapt.out;
  const auto meta = nlohmann::json::parse(std::ifstream(dir.file("pseudo.json")));
  const int readings = meta["remote_readings"].get<int>();
  EXPECT_EQ(readings + meta["held_back"].get<int>(), 35);
  EXPECT_GT(meta["remote_readings_confirmed"].get<int>(), 0);
  // The remote model's wrong answers (40%) are not all taken as labels.
  EXPECT_LT(meta["remote_readings_confirmed"].get<int>(), readings);
  EXPECT_EQ(meta["validation"]["measure"], "held-back agreement with the remote readings");
  EXPECT_EQ(run_cli({"--recognizer", model, testing::kSeedStrip}).exit_code, 0);
}

// The readings already paid for: a folder of images whose remote readings are in the cache, read
// with no key at all (no request can be made).
TEST(Adapt, LearnsFromTheRemoteCache) {
  ScratchDir dir;
  const std::string set = testing::data_path("pycaptcha-upper");
  std::filesystem::create_directories(dir.file("images"));
  const std::vector<std::string> images = images_of(set);
  for (const std::string& image : images) {
    std::filesystem::copy_file(image, dir.path() / "images" / std::filesystem::path(image).filename());
  }
  setenv("XDG_CACHE_HOME", dir.file("cache").c_str(), 1);
  std::string base_url;
  {
    SimulatedServer remote(set, 0.6);
    base_url = remote.base_url();
    // Two in three images are paid for; the rest are not in the cache.
    std::vector<std::string> paid_for;
    for (std::size_t i = 0; i < images.size(); ++i) {
      if (i % 3 != 2) paid_for.push_back((dir.path() / "images" / std::filesystem::path(images[i]).filename()).string());
    }
    ASSERT_EQ(read_remotely(remote, "remote", {"--format", "jsonl"}, paid_for).exit_code, 0);
  }
  // The cache is keyed by endpoint and model too: adapt is told the ones that were paid for.
  const auto adapt = run_cli({"adapt", dir.file("images"), "--base-url", base_url, "-o", dir.file("cached.onnx"),
                              "--minutes", "0.5"});
  unsetenv("XDG_CACHE_HOME");
  ASSERT_EQ(adapt.exit_code, 0) << adapt.out << adapt.err;
  EXPECT_NE(adapt.out.find("the remote cache had readings of 24 of 35 images"), std::string::npos) << adapt.out;
  const auto meta = nlohmann::json::parse(std::ifstream(dir.file("cached.json")));
  EXPECT_EQ(meta["remote_readings"].get<int>() + meta["held_back"].get<int>(), 24);
}

// An adapted model refits the calibration's maps on its held-back labelled images, and the
// reader uses that calibration whenever it reads with the model.
TEST(Adapt, RefitsTheCalibrationOnItsHeldBackImages) {
  ScratchDir dir;
  const std::string model = dir.file("xor.onnx");
  const auto adapt = run_cli({"adapt", testing::data_path("xor-strips"), "-o", model, "--minutes", "0.5"});
  ASSERT_EQ(adapt.exit_code, 0) << adapt.out << adapt.err;
  EXPECT_NE(adapt.out.find("calibration refitted on"), std::string::npos) << adapt.out;
  const std::string own = dir.file("xor.calibration.json");
  ASSERT_TRUE(std::filesystem::exists(own));
  const auto calibration = nlohmann::json::parse(std::ifstream(own));
  EXPECT_NE(calibration["origin"].get<std::string>().find("held-back"), std::string::npos);
  // The calibration beside the model is the one read with: a broken one is refused by name.
  std::ofstream(own) << "not json";
  const auto read = run_cli({"--recognizer", model, testing::kSeedStrip});
  EXPECT_EQ(read.exit_code, 3);
  EXPECT_NE(read.err.find("xor.calibration.json"), std::string::npos) << read.err;
}

// A model adapted on remote readings alone has no labelled image to refit its calibration on:
// the held-back remote readings stand in, corrected for how often they are right. The simulated
// model is right 60% of the time; the share estimated from the adapted reader's surest quarter
// of 30 readings must come out near it.
TEST(Adapt, RefitsTheCalibrationOnHeldBackRemoteReadings) {
  ScratchDir dir;
  const std::string set = testing::data_path("xor-strips");
  SimulatedServer remote(set, 0.6);
  const auto paid = read_remotely(remote, "remote", {"--no-cache", "--format", "jsonl", "-o", dir.file("remote.jsonl")},
                                  images_of(set));
  ASSERT_EQ(paid.exit_code, 0) << paid.err;

  const std::string model = dir.file("paid.onnx");
  const auto adapt = run_cli({"adapt", dir.file("remote.jsonl"), "-o", model, "--minutes", "0.5"});
  ASSERT_EQ(adapt.exit_code, 0) << adapt.out << adapt.err;
  // The maps are fitted on the held-back readings the adapted network took part in (of 30).
  std::smatch said;
  const std::regex refitted("calibration refitted on ([0-9]+) held-back remote readings \\(taken to be right ([0-9]+)%");
  ASSERT_TRUE(std::regex_search(adapt.out, said, refitted)) << adapt.out;
  EXPECT_GE(std::stoi(said[1]), 10) << adapt.out;
  EXPECT_LE(std::stoi(said[1]), 30) << adapt.out;
  const int share = std::stoi(said[2]);
  EXPECT_GE(share, 40) << adapt.out;
  EXPECT_LE(share, 80) << adapt.out;
  const auto calibration = nlohmann::json::parse(std::ifstream(dir.file("paid.calibration.json")));
  EXPECT_NE(calibration["origin"].get<std::string>().find("held-back remote readings"), std::string::npos);
}

TEST(Adapt, AReadingsFileThatIsNotCrossocrsIsNamed) {
  ScratchDir dir;
  const std::string notes = dir.write("notes.jsonl", std::string("hello\n"));
  const auto r = run_cli({"adapt", notes, "-o", dir.file("m.onnx")});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("notes.jsonl: not a JSONL of crossocr results"), std::string::npos) << r.err;
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

// The trainer bends the user's strokes (`bend` in tools/adapt_recognizer.py): a vertical stroke
// across a 60 px strip must move, row by row, yet stay within 15% of the height of where it was
// drawn (200 bends moved it at most 7.5 px), keeping most of its ink and not smearing it (where a
// stroke is bent aslant its rows widen: 0.79-1.61 times the ink over 200 bends).
TEST(Adapt, BendingMovesStrokesALittleAndKeepsTheirInk) {
  ScratchDir dir;
  cv::Mat strip(60, 200, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::rectangle(strip, cv::Rect(99, 0, 3, 60), cv::Scalar(0, 0, 0), cv::FILLED);
  const std::string image = dir.file("stroke.png");
  ASSERT_TRUE(cv::imwrite(image, strip));
  const std::string check = dir.write("check.py", R"py(import random, sys
import cv2, numpy as np
sys.path.insert(0, sys.argv[1])
import adapt_recognizer as a
img = cv2.imread(sys.argv[2])
ink0 = (img[:, :, 0] < 128).sum()
rng, moved, worst = random.Random(7), 0.0, 0.0
for _ in range(20):
    ink = a.bend(img, rng)[:, :, 0] < 128
    centres = [np.flatnonzero(row).mean() for row in ink if row.any()]
    assert len(centres) >= 55, f"rows left with ink: {len(centres)}"
    worst = max(worst, max(abs(c - 100) for c in centres))
    moved = max(moved, np.ptp(centres))
    assert 0.6 * ink0 < ink.sum() < 1.8 * ink0, f"ink {ink.sum()} against {ink0}"
assert worst <= 9, f"a stroke moved {worst:.1f} px"
assert moved >= 0.5, f"strokes never bent ({moved:.2f} px)"
print("ok", round(worst, 1), round(moved, 1))
)py");
  const char* given = std::getenv("CROSSOCR_PYTHON");
  const std::string python = given != nullptr && *given != '\0' ? given : "/usr/bin/python3";
  const auto r = testing::run_program(python, {check, std::string(CROSSOCR_SOURCE_DIR) + "/tools", image});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("ok", 0), 0u) << r.out << r.err;
}

// The trainer records the kind's alphabet only when every character of it was seen at least ten
// times (`kind_alphabet` in tools/adapt_recognizer.py), both cases where the set ignores case.
TEST(Adapt, TheKindsAlphabetIsRecordedOnlyWhenTheLabelsShowAllOfIt) {
  ScratchDir dir;
  const std::string check = dir.write("check.py", R"py(import sys
sys.path.insert(0, sys.argv[1])
import adapt_recognizer as a
digits = [(str(n % 10) * 2, True) for n in range(50)]
assert a.kind_alphabet(digits) == "0123456789", a.kind_alphabet(digits)
assert a.kind_alphabet(digits + [("7a", True)]) is None  # an 'a' seen once: the alphabet may be larger
assert a.kind_alphabet([("ab", False)] * 10) == "ABab"
assert a.kind_alphabet([("ab", True)] * 9) is None
assert a.kind_alphabet([]) is None
print("ok")
)py");
  const char* given = std::getenv("CROSSOCR_PYTHON");
  const std::string python = given != nullptr && *given != '\0' ? given : "/usr/bin/python3";
  const auto r = testing::run_program(python, {check, std::string(CROSSOCR_SOURCE_DIR) + "/tools"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("ok", 0), 0u) << r.out << r.err;
}

// An adapted model's MODEL.json says which characters its kind is written in; a reading with any
// other is not of its kind (the engine then reads the strip with the shipped network). Without the
// file or the key, every text is of the kind; a broken file is refused by name.
TEST(Adapt, TheKindsAlphabetComesFromTheModelsMetadata) {
  ScratchDir dir;
  const std::string model = dir.file("digits.onnx");
  std::filesystem::copy_file(default_model_path("strip_recognizer.onnx"), model);
  EXPECT_TRUE(load_adapted_kind(model).writes("ZGUVU"));  // no MODEL.json
  dir.write("digits.json", R"({"kind": "crossocr adapted strip recogniser", "alphabet": null})");
  EXPECT_TRUE(load_adapted_kind(model).writes("ZGUVU"));
  dir.write("digits.json", R"({"kind": "crossocr adapted strip recogniser", "alphabet": "0123456789"})");
  const AdaptedKind kind = load_adapted_kind(model);
  EXPECT_TRUE(kind.writes("4711"));
  EXPECT_FALSE(kind.writes("47l1"));
  EXPECT_FALSE(kind.writes("ZGUVU"));
  // The seed is no code of digits: the shipped network reads it, as it does with no adapted
  // model, and the result says so.
  const auto read = run_cli({"--recognizer", model, "--format", "jsonl", testing::kSeedStrip});
  ASSERT_EQ(read.exit_code, 0) << read.err;
  const auto row = nlohmann::json::parse(read.out);
  EXPECT_EQ(row["text"], "ZGUVU");
  EXPECT_EQ(row["recognizer"], "shipped");

  dir.write("digits.json", "{\"alphabet\": ");
  EXPECT_THROW(load_adapted_kind(model), ConfigError);
  const auto broken = run_cli({"--recognizer", model, testing::kSeedStrip});
  EXPECT_EQ(broken.exit_code, 3);
  EXPECT_NE(broken.err.find("digits.json"), std::string::npos) << broken.err;
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
