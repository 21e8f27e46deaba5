#include "local/preprocessor.hpp"

#include "crossocr/image_loader.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

namespace crossocr {
namespace {

using testing::kSeedStrip;

TEST(Preprocessor, StripsAndPagesAreToldApart) {
  EXPECT_EQ(detect_layout(cv::Mat(50, 203, CV_8UC3)), Layout::kStrip);
  EXPECT_EQ(detect_layout(cv::Mat(1100, 850, CV_8UC3)), Layout::kPage);
  const LoadedImage page = load_image(testing::data_path("tesseract-testing/phototest.png"));
  ASSERT_TRUE(page.ok()) << page.status.message();
  EXPECT_EQ(detect_layout(page.pixels), Layout::kPage);
}

TEST(Preprocessor, StripVariantsAreBinaryDarkOnWhiteWithABorder) {
  const LoadedImage seed = load_image(kSeedStrip);
  ASSERT_TRUE(seed.ok());
  const Preprocessed out = preprocess(seed.pixels);
  EXPECT_EQ(out.layout, Layout::kStrip);
  ASSERT_FALSE(out.variants.empty());
  for (const Variant& v : out.variants) {
    SCOPED_TRACE(v.name);
    ASSERT_EQ(v.image.type(), CV_8UC1);
    EXPECT_GE(v.scale, 1.0);  // small text is never shrunk
    EXPECT_EQ(cv::countNonZero(v.image == 0) + cv::countNonZero(v.image == 255),
              static_cast<int>(v.image.total()));
    // The border is white, and most of a strip is background.
    EXPECT_EQ(cv::countNonZero(v.image.row(0) == 255), v.image.cols);
    EXPECT_GT(cv::countNonZero(v.image), static_cast<int>(v.image.total() / 2));
  }
}

TEST(Preprocessor, InvertedTextBecomesDarkWhereverItWasDrawn) {
  // Light letters on a dark field whose right half is light with dark letters: the polarity-free
  // variant must show ink on both halves.
  cv::Mat strip(60, 240, CV_8UC3, cv::Scalar(40, 40, 40));
  strip(cv::Rect(120, 0, 120, 60)).setTo(cv::Scalar(220, 220, 220));
  cv::putText(strip, "AB", {20, 45}, cv::FONT_HERSHEY_SIMPLEX, 1.4, cv::Scalar(220, 220, 220), 3);
  cv::putText(strip, "CD", {140, 45}, cv::FONT_HERSHEY_SIMPLEX, 1.4, cv::Scalar(40, 40, 40), 3);
  const Preprocessed out = preprocess(strip);
  ASSERT_FALSE(out.variants.empty());
  const Variant& v = out.variants.front();
  const cv::Mat ink = v.image == 0;
  const int half = v.image.cols / 2;
  const int left = cv::countNonZero(ink(cv::Rect(0, 0, half, v.image.rows)));
  const int right = cv::countNonZero(ink(cv::Rect(half, 0, v.image.cols - half, v.image.rows)));
  EXPECT_GT(left, 200);
  EXPECT_GT(right, 200);
  // ...and not the whole light half: ink is a small part of each half.
  EXPECT_LT(right, v.image.rows * (v.image.cols - half) / 3);
}

TEST(Preprocessor, DebugDirReceivesEveryStep) {
  testing::ScratchDir dir;
  PreprocessOptions options;
  options.debug_dir = dir.file("steps");
  options.debug_name = "seed";
  const LoadedImage seed = load_image(kSeedStrip);
  const Preprocessed out = preprocess(seed.pixels, options);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(options.debug_dir)) {
    files.push_back(e.path().filename().string());
  }
  EXPECT_GE(files.size(), 2 + out.variants.size());
  for (const Variant& v : out.variants) {
    EXPECT_TRUE(std::any_of(files.begin(), files.end(), [&](const std::string& f) {
      return f.starts_with("seed.") && f.ends_with("-variant-" + v.name + ".png");
    })) << v.name;
  }
}

}  // namespace
}  // namespace crossocr
