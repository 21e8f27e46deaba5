#include "crossocr/preprocessor.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>

namespace crossocr {
namespace {

// Writes one step's image when the user asked to see what the engine saw.
class DebugDump {
 public:
  explicit DebugDump(const PreprocessOptions& options) : options_(options) {
    if (!options_.debug_dir.empty()) std::filesystem::create_directories(options_.debug_dir);
  }
  void operator()(const std::string& step, const cv::Mat& image) {
    if (options_.debug_dir.empty() || image.empty()) return;
    const std::string stem = options_.debug_name.empty() ? "image" : options_.debug_name;
    char index[8];
    std::snprintf(index, sizeof index, "%02d", counter_++);
    cv::imwrite(options_.debug_dir + "/" + stem + "." + index + "-" + step + ".png", image);
  }

 private:
  const PreprocessOptions& options_;
  int counter_ = 0;
};


int odd(double x) {
  const int n = std::max(3, static_cast<int>(std::lround(x)));
  return n % 2 == 1 ? n : n + 1;
}


cv::Mat to_gray(const cv::Mat& image) {
  if (image.channels() == 1) return image.clone();
  cv::Mat gray;
  cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
  return gray;
}

// White (255) where Otsu finds the lighter class.
cv::Mat light_mask(const cv::Mat& gray) {
  cv::Mat light;
  cv::threshold(gray, light, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  return light;
}

// Text is the minority class of a global threshold: white (255) on text.
cv::Mat minority_mask(const cv::Mat& gray) {
  cv::Mat light = light_mask(gray);
  if (cv::countNonZero(light) * 2 > static_cast<int>(light.total())) cv::bitwise_not(light, light);
  return light;
}

// Size of the text in a mask (white on black), from its connected components and its distance
// transform. Zero fields mean nothing looked like text.
struct TextMetrics {
  double glyph_height = 0.0;
  double stroke_width = 0.0;
};

TextMetrics measure_text(const cv::Mat& text_mask) {
  TextMetrics m;
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(text_mask, labels, stats, centroids, 8, CV_32S);
  std::vector<int> heights;
  const int min_height = std::max(4, text_mask.rows / 8);
  for (int i = 1; i < n; ++i) {
    const int h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    const int w = stats.at<int>(i, cv::CC_STAT_WIDTH);
    const int area = stats.at<int>(i, cv::CC_STAT_AREA);
    if (h < min_height || h > text_mask.rows * 0.95 || w > text_mask.cols / 2) continue;
    if (area < 0.08 * w * h) continue;  // thin curves and frames, not glyphs
    heights.push_back(h);
  }
  if (!heights.empty()) {
    // Glyphs broken by noise give short pieces; the upper quartile is the whole glyphs' height.
    std::sort(heights.begin(), heights.end());
    m.glyph_height = heights[heights.size() * 3 / 4];
  }
  // A stroke of width w has distances to its edge spread evenly over (0, w/2]: mean w/4.
  cv::Mat distance;
  cv::distanceTransform(text_mask, distance, cv::DIST_L2, 3);
  const int on = cv::countNonZero(text_mask);
  if (on > 0) m.stroke_width = 4.0 * cv::sum(distance)[0] / on;
  return m;
}

// Skew from the projection profile: rows of a level text line are either full or empty, so
// their variance peaks at the right angle. Searched on a small copy; returns degrees.
double estimate_skew_degrees(const cv::Mat& text_mask) {
  cv::Mat small = text_mask;
  const double shrink = std::min(1.0, 600.0 / std::max(text_mask.cols, text_mask.rows));
  if (shrink < 1.0) cv::resize(text_mask, small, {}, shrink, shrink, cv::INTER_AREA);
  const cv::Point2f center(small.cols / 2.0f, small.rows / 2.0f);
  double best_angle = 0.0, best_score = -1.0;
  for (double angle = -8.0; angle <= 8.0001; angle += 0.5) {
    cv::Mat rotated;
    cv::warpAffine(small, rotated, cv::getRotationMatrix2D(center, angle, 1.0), small.size(),
                   cv::INTER_NEAREST, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::Mat rows;
    cv::reduce(rotated, rows, 1, cv::REDUCE_SUM, CV_64F);
    cv::Scalar mean, stddev;
    cv::meanStdDev(rows, mean, stddev);
    // Prefer the smallest rotation among equals: rotating costs sharpness.
    const double score = stddev[0] * stddev[0] * (1.0 - 0.002 * std::abs(angle));
    if (score > best_score) best_score = score, best_angle = angle;
  }
  return best_angle;
}

cv::Mat rotate_gray(const cv::Mat& gray, double degrees) {
  const cv::Point2f center(gray.cols / 2.0f, gray.rows / 2.0f);
  cv::Mat rotated;
  cv::warpAffine(gray, rotated, cv::getRotationMatrix2D(center, degrees, 1.0), gray.size(),
                 cv::INTER_CUBIC, cv::BORDER_REPLICATE);
  return rotated;
}

// Removes components too small to be part of a glyph, and those at the image's edge that are
// much shorter than a glyph (corners of shapes cut by the frame).
void remove_specks(cv::Mat& text, double glyph_height) {
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(text, labels, stats, centroids, 8, CV_32S);
  const int min_area = std::max(4, static_cast<int>(glyph_height * glyph_height * 0.01));
  std::vector<std::uint8_t> keep(n, 255);
  keep[0] = 0;
  for (int i = 1; i < n; ++i) {
    const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
    const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    const bool at_edge = x == 0 || y == 0 || x + w == text.cols || y + h == text.rows;
    if (stats.at<int>(i, cv::CC_STAT_AREA) < min_area || (at_edge && h < glyph_height * 0.6)) {
      keep[i] = 0;
    }
  }
  for (int r = 0; r < text.rows; ++r) {
    const int* label = labels.ptr<int>(r);
    std::uint8_t* out = text.ptr<std::uint8_t>(r);
    for (int c = 0; c < text.cols; ++c) out[c] = keep[label[c]];
  }
}

double knob(const char* name, double fallback) {
  const char* v = std::getenv(name);
  return v ? std::atof(v) : fallback;
}

// Text whatever its polarity: light strokes on dark ground and dark strokes on light ground both
// differ from the ground, the majority of the light mask in a window a glyph wide. For a straight
// region edge that majority flips exactly at the edge even with strokes around it (they are a
// minority on both sides), so text crossing from one region into another stays whole.
cv::Mat polarity_free_mask(const cv::Mat& gray, const TextMetrics& text_size) {
  const cv::Mat light = light_mask(gray);
  cv::Mat ground;
  cv::medianBlur(light, ground, odd(text_size.glyph_height * knob("XK", 1.0)));
  cv::Mat text;
  cv::bitwise_xor(light, ground, text);
  if (std::getenv("XD")) { cv::imwrite("/tmp/x-light.png", light); cv::imwrite("/tmp/x-ground.png", ground); cv::imwrite("/tmp/x-text.png", text); }
  const int trace = std::max(2, static_cast<int>(text_size.stroke_width * knob("XT", 0.4)));
  if (knob("XH", 1) > 0) {
  const cv::Mat hair = cv::getStructuringElement(cv::MORPH_ELLIPSE, {trace, trace});
  cv::morphologyEx(text, text, cv::MORPH_CLOSE, hair);
  cv::morphologyEx(text, text, cv::MORPH_OPEN, hair);
  }
  remove_specks(text, text_size.glyph_height);
  return text;
}

// Dark text on white, with a white border: the form Tesseract's LSTM reads best.
Variant make_variant(std::string name, const cv::Mat& text_mask, double scale, int border) {
  cv::Mat page;
  cv::bitwise_not(text_mask, page);
  cv::copyMakeBorder(page, page, border, border, border, border, cv::BORDER_CONSTANT,
                     cv::Scalar(255));
  return Variant{std::move(name), page, scale, border};
}

}  // namespace

Layout detect_layout(const cv::Mat& image) {
  // Strips are one line: short, and usually wide for their height.
  if (image.rows <= 160 || (image.rows <= 400 && image.cols >= 3 * image.rows)) {
    return Layout::kStrip;
  }
  return Layout::kPage;
}

Preprocessed preprocess(const cv::Mat& image, const PreprocessOptions& options) {
  DebugDump dump(options);
  Preprocessed out;
  out.layout = options.layout == Layout::kAuto ? detect_layout(image) : options.layout;

  cv::Mat gray = to_gray(image);
  dump("gray", gray);
  if (knob("XM", 0) > 0) { cv::medianBlur(gray, gray, 3); dump("median", gray); }

  // A first look at the text at the original scale: polarity-free on strips, where inverted
  // regions are common, a plain threshold on pages.
  const bool strip = out.layout == Layout::kStrip;
  // Before anything is known of the text, guess from the strip's height.
  const TextMetrics guess{gray.rows * 0.4, std::max(2.0, gray.rows * 0.07)};
  const cv::Mat rough = strip ? polarity_free_mask(gray, guess) : minority_mask(gray);
  dump("rough", rough);
  if (options.deskew) {
    const double skew = estimate_skew_degrees(rough);
    if (std::abs(skew) >= 0.5) gray = rotate_gray(gray, skew);
  }

  // Upscale small text to the height the LSTM reads best; never shrink.
  TextMetrics text_size = measure_text(rough);
  if (text_size.glyph_height <= 0) text_size.glyph_height = strip ? gray.rows * 0.5 : 20.0;
  if (text_size.stroke_width <= 0) text_size.stroke_width = text_size.glyph_height * 0.12;
  double scale = std::clamp(options.target_cap_height / text_size.glyph_height, 1.0, 8.0);
  if (!strip) scale = std::min(scale, 2.0);
  if (scale > 1.05) {
    cv::resize(gray, gray, {}, scale, scale, cv::INTER_CUBIC);
    text_size.glyph_height *= scale;
    text_size.stroke_width *= scale;
  } else {
    scale = 1.0;
  }
  dump("scaled", gray);

  if (out.layout == Layout::kPage) {
    // Documents: Tesseract's own layout analysis and thresholding do well on the grey image.
    cv::Mat page = gray.clone();
    out.variants.push_back(Variant{"gray", page, scale, 0});
    dump("variant-gray", page);
    return out;
  }

  const int border = options.border;
  out.variants.push_back(make_variant("polarity", polarity_free_mask(gray, text_size), scale,
                                      border));
  out.variants.push_back(make_variant("otsu", minority_mask(gray), scale, border));
  for (const Variant& v : out.variants) dump("variant-" + v.name, v.image);
  return out;
}

}  // namespace crossocr
