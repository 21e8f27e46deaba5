#include "crossocr/errors.hpp"
#include "batch/runner.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

namespace crossocr {
namespace {

using testing::ScratchDir;

std::vector<ImageSource> paths(const std::vector<std::string>& names) {
  std::vector<ImageSource> sources;
  for (const auto& n : names) sources.push_back(ImageSource{n, {}, false});
  return sources;
}

TEST(Runner, ResultsComeInInputOrderWithBadInputsAmongGoodOnes) {
  ScratchDir dir;
  const std::vector<std::string> bad = testing::write_bad_inputs(dir);
  std::vector<std::string> batch;
  for (const std::string& b : bad) {
    batch.push_back(testing::kSeedStrip);
    batch.push_back(b);
  }
  batch.push_back(testing::kSeedStrip);

  ReaderOptions options;
  options.jobs = 2;
  std::vector<ImageResult> results;
  run_batch(paths(batch), options, [&](const ImageResult& r) { results.push_back(r); });

  ASSERT_EQ(results.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    SCOPED_TRACE(batch[i]);
    EXPECT_EQ(results[i].index, i);
    EXPECT_EQ(results[i].file, batch[i]);
    if (i % 2 == 0) {
      EXPECT_TRUE(results[i].ok()) << results[i].reading.error;
      EXPECT_EQ(results[i].reading.text, "ZGUVU");
    } else {
      EXPECT_FALSE(results[i].ok());
      EXPECT_FALSE(results[i].reading.error.empty());
      EXPECT_TRUE(results[i].reading.text.empty());
    }
  }
}

TEST(Runner, ReadsImagesHeldInMemory) {
  ReaderOptions options;
  std::vector<ImageSource> sources = {ImageSource{"-", testing::read_bytes(testing::kSeedStrip), true}};
  std::vector<ImageResult> results;
  run_batch(sources, options, [&](const ImageResult& r) { results.push_back(r); });
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].file, "-");
  EXPECT_EQ(results[0].reading.text, "ZGUVU");
}

TEST(Runner, MisconfigurationStopsTheBatchWithAConfigError) {
  ScratchDir empty;
  ReaderOptions options;
  options.local.tesseract.tessdata_dir = empty.path().string();
  std::size_t delivered = 0;
  EXPECT_THROW(run_batch(paths({testing::kSeedStrip, testing::kSeedStrip}), options,
                         [&](const ImageResult&) { ++delivered; }),
               ConfigError);
  EXPECT_EQ(delivered, 0u);
}

TEST(Runner, VoteWithoutARemoteSideGivesLocalOnlyVerdictsInOrder) {
  ReaderOptions options;
  options.mode = Mode::kVote;
  options.remote.offline_reason = "no API key";
  std::vector<ImageResult> results;
  run_batch(paths({testing::kSeedStrip, "missing.png", testing::kSeedStrip}), options,
            [&](const ImageResult& r) { results.push_back(r); });
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].verdict.has_value());
  EXPECT_EQ(results[0].verdict->status, VerdictStatus::kLocalOnly);
  EXPECT_EQ(results[0].reading.text, "ZGUVU");
  EXPECT_TRUE(results[0].flagged());
  EXPECT_EQ(results[0].remote->error, "no API key");
  EXPECT_EQ(results[1].verdict->status, VerdictStatus::kFailed);  // neither could read it
  EXPECT_FALSE(results[1].ok());
  EXPECT_EQ(results[2].reading.text, "ZGUVU");
}

}  // namespace
}  // namespace crossocr
