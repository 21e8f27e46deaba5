#include "crossocr/errors.hpp"
#include "crossocr/reader.hpp"
#include "batch/engine_pool.hpp"
#include "batch/ordered_map.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

namespace crossocr {
namespace {

using testing::ScratchDir;

std::vector<ImageSource> paths(const std::vector<std::string>& names) {
  std::vector<ImageSource> sources;
  for (const auto& n : names) sources.push_back(ImageSource{.name = n});
  return sources;
}

std::vector<ImageResult> read_all(ReaderOptions options, const std::vector<ImageSource>& sources) {
  std::vector<ImageResult> results;
  Reader::open(std::move(options))->read_batch(sources, [&](const ImageResult& r) { results.push_back(r); });
  return results;
}

TEST(Reader, ResultsComeInInputOrderWithBadInputsAmongGoodOnes) {
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
  const std::vector<ImageResult> results = read_all(options, paths(batch));

  ASSERT_EQ(results.size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    SCOPED_TRACE(batch[i]);
    EXPECT_EQ(results[i].index, i);
    EXPECT_EQ(results[i].file, batch[i]);
    if (i % 2 == 0) {
      EXPECT_TRUE(results[i].ok()) << results[i].reading.status.message();
      EXPECT_EQ(results[i].reading.text, "ZGUVU");
    } else {
      EXPECT_FALSE(results[i].ok());
      EXPECT_FALSE(results[i].reading.status.message().empty());
      EXPECT_TRUE(results[i].reading.text.empty());
      EXPECT_TRUE(results[i].flagged());
    }
  }
}

// Callers decide by kind: a missing file, bytes that are no image, and an image outside the
// limits are three different faults.
TEST(Reader, LoadFailuresCarryTheirKind) {
  ScratchDir dir;
  const std::vector<std::string> bad = testing::write_bad_inputs(dir);
  // missing, empty, notes, truncated, one pixel, huge (see write_bad_inputs)
  const std::vector<StatusCode> kinds = {StatusCode::kIo,     StatusCode::kDecode, StatusCode::kDecode,
                                         StatusCode::kDecode, StatusCode::kLimit,  StatusCode::kLimit};
  const std::vector<ImageResult> results = read_all(ReaderOptions{}, paths(bad));
  ASSERT_EQ(results.size(), kinds.size());
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    SCOPED_TRACE(bad[i] + ": " + results[i].reading.status.message());
    EXPECT_EQ(results[i].reading.status.code(), kinds[i]);
  }
}

TEST(Reader, ReadsImagesHeldInMemory) {
  const std::vector<ImageSource> sources = {
      ImageSource{.name = "-", .bytes = testing::read_bytes(testing::kSeedStrip), .from_memory = true}};
  const std::vector<ImageResult> results = read_all(ReaderOptions{}, sources);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].file, "-");
  EXPECT_EQ(results[0].reading.text, "ZGUVU");
}

TEST(Reader, ReusesItsEnginesAcrossReads) {
  auto reader = Reader::open(ReaderOptions{});
  const ImageSource seed{testing::kSeedStrip, {}, false};
  EXPECT_EQ(reader->read(seed).reading.text, "ZGUVU");
  EXPECT_EQ(reader->read(seed).reading.text, "ZGUVU");
}

TEST(Reader, MisconfigurationFailsAtOpen) {
  ScratchDir empty;
  ReaderOptions options;
  options.local.tesseract.tessdata_dir = empty.path().string();
  EXPECT_THROW(Reader::open(options), ConfigError);
}

TEST(Reader, AnUnwritableDebugDirFailsAtOpen) {
  ScratchDir dir;
  const std::string file = dir.write("a-file", std::string("x"));
  ReaderOptions options;
  options.local.preprocess.debug_dir = file + "/debug";  // under a file: cannot be created
  EXPECT_THROW(Reader::open(options), ConfigError);
}

TEST(Reader, VoteWithoutARemoteSideGivesLocalOnlyVerdictsInOrder) {
  ReaderOptions options;
  options.mode = Mode::kVote;
  options.use_cache = false;
  options.remote.base_url = "http://127.0.0.1:9";  // loopback: needs no key
  options.remote.api_key_env = "CROSSOCR_TEST_NO_SUCH_VARIABLE";
  auto reader = Reader::open(options);
  std::vector<ImageResult> results;
  reader->read_batch(paths({testing::kSeedStrip, "missing.png", testing::kSeedStrip}),
                     [&](const ImageResult& r) { results.push_back(r); });
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].verdict.has_value());
  EXPECT_EQ(results[0].verdict->status, VerdictStatus::kLocalOnly);
  EXPECT_EQ(results[0].reading.text, "ZGUVU");
  EXPECT_TRUE(results[0].flagged());
  EXPECT_EQ(results[0].remote->status.code(), StatusCode::kRemoteUnavailable);
  ASSERT_TRUE(results[1].verdict.has_value());
  EXPECT_EQ(results[1].verdict->status, VerdictStatus::kFailed);  // neither could read it
  EXPECT_EQ(results[1].reading.status.code(), StatusCode::kIo);
  EXPECT_EQ(results[2].reading.text, "ZGUVU");
  EXPECT_EQ(results[2].remote->status.code(), StatusCode::kRemoteUnavailable);
}

TEST(OrderedMap, EmitsInOrderWhateverTheFinishingOrder) {
  std::vector<std::size_t> emitted;
  ordered_map<std::size_t>(
      50, 4, 8,
      [](std::size_t i) {
        std::this_thread::sleep_for(std::chrono::microseconds((50 - i) * 100));
        return i * i;
      },
      [&](std::size_t i, std::size_t&& v) {
        EXPECT_EQ(v, i * i);
        emitted.push_back(i);
      });
  ASSERT_EQ(emitted.size(), 50u);
  for (std::size_t i = 0; i < emitted.size(); ++i) EXPECT_EQ(emitted[i], i);
}

// As finished: a slow first item holds nothing back; it comes last, every other one before it.
TEST(OrderedMap, AsFinishedEmitsWhatIsDoneWithoutWaitingForASlowItem) {
  std::atomic<bool> release{false};
  std::vector<std::size_t> order;
  ordered_map<int>(
      20, 3, 4,
      [&](std::size_t i) {
        while (i == 0 && !release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return 0;
      },
      [&](std::size_t i, int&&) {
        order.push_back(i);
        if (order.size() == 19) release = true;
      },
      /*in_order=*/false);
  ASSERT_EQ(order.size(), 20u);
  EXPECT_EQ(order.back(), 0u);
  std::sort(order.begin(), order.end());
  for (std::size_t i = 0; i < order.size(); ++i) EXPECT_EQ(order[i], i);
}

// A slow first item holds back at most `window` items: memory stays bounded however long it takes.
TEST(OrderedMap, ASlowItemHoldsBackAtMostTheWindow) {
  std::atomic<std::size_t> started{0};
  std::atomic<bool> release{false};
  std::size_t started_when_released = 0;
  std::jthread releaser([&] {
    // Item 0 is released once the other threads have gone as far as they can.
    std::size_t last = 0;
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      const std::size_t now = started;
      if (now == last && now > 1) break;
      last = now;
    }
    started_when_released = started;
    release = true;
  });
  std::size_t emitted = 0;
  ordered_map<int>(
      100, 3, 5,
      [&](std::size_t i) {
        ++started;
        while (i == 0 && !release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return 0;
      },
      [&](std::size_t, int&&) { ++emitted; });
  releaser.join();
  EXPECT_LE(started_when_released, 5u);  // items 0-4: the window
  EXPECT_EQ(emitted, 100u);
}

TEST(EnginePool, LendsAtMostItsEnginesAndReusesThem) {
  std::atomic<int> made{0}, in_use{0}, most_in_use{0};
  EnginePool<int> pool(2, [&] { ++made; return std::make_unique<int>(0); });
  std::vector<std::jthread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int k = 0; k < 20; ++k) {
        auto engine = pool.borrow();
        const int now = ++in_use;
        int seen = most_in_use;
        while (now > seen && !most_in_use.compare_exchange_weak(seen, now)) {}
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        --in_use;
      }
    });
  }
  threads.clear();
  EXPECT_LE(made.load(), 2);
  EXPECT_LE(most_in_use.load(), 2);
}

}  // namespace
}  // namespace crossocr
