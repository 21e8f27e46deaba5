#include "local/preprocessor.hpp"

#include "stage_clock.hpp"

#include "crossocr/errors.hpp"
#include "image/pix_codec.hpp"
#include "local/preprocess_steps.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <optional>

namespace crossocr {
namespace {

// Writes one step's image when the user asked to see what the engine saw.
class DebugDump {
 public:
  explicit DebugDump(const PreprocessOptions& options) : options_(options) {
    if (options_.debug_dir.empty()) return;
    std::error_code error;
    std::filesystem::create_directories(options_.debug_dir, error);
    if (error) throw ConfigError("cannot create --debug-dir " + options_.debug_dir + ": " + error.message());
  }
  void operator()(const std::string& step, const cv::Mat& image) {
    if (options_.debug_dir.empty() || image.empty()) return;
    const std::string stem = options_.debug_name.empty() ? "image" : options_.debug_name;
    char index[8];
    std::snprintf(index, sizeof index, "%02d", counter_++);
    const std::string path = options_.debug_dir + "/" + stem + "." + index + "-" + step + ".png";
    if (!write_png(path, image)) throw ConfigError("cannot write " + path);
  }

 private:
  const PreprocessOptions& options_;
  int counter_ = 0;
};

// Kernel sizes must be odd and at least 3.
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

// The ground's class when the frame of the image is (almost) all one class of the light mask:
// true for light ground, false for dark; nothing when the frame is mixed.
std::optional<bool> uniform_ground(const cv::Mat& light) {
  const int w = light.cols, h = light.rows;
  const int frame = 2 * (w + h) - 4;
  const int lit = cv::countNonZero(light.row(0)) + cv::countNonZero(light.row(h - 1)) +
                  cv::countNonZero(light(cv::Rect(0, 1, 1, h - 2))) +
                  cv::countNonZero(light(cv::Rect(w - 1, 1, 1, h - 2)));
  if (lit >= 0.95 * frame) return true;
  if (lit <= 0.05 * frame) return false;
  return std::nullopt;
}

// Ink: the class that is not the ground's, white (255) on text.
cv::Mat ink_on(const cv::Mat& light, bool light_ground) {
  return light_ground ? cv::Mat(~light) : light.clone();
}

}  // namespace

// Text is the minority class of a global threshold: white (255) on text.
cv::Mat minority_mask(const cv::Mat& gray) {
  cv::Mat light = light_mask(gray);
  if (cv::countNonZero(light) * 2 > static_cast<int>(light.total())) cv::bitwise_not(light, light);
  return light;
}

namespace {

// Size of the text in a mask (white on black), from its connected components. Zero means
// nothing looked like text.
struct TextMetrics {
  double glyph_height = 0.0;
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
  return m;
}

}  // namespace

// Skew from the projection profile: rows of a level text line are either full or empty, so the
// variance of the row counts peaks at the right angle. Each angle is tried on the text pixels'
// coordinates rather than on a rotated image; returns degrees.
double estimate_skew_degrees(const cv::Mat& text_mask) {
  std::vector<cv::Point> ink;
  cv::findNonZero(text_mask, ink);
  if (ink.size() < 16) return 0.0;
  // Large pages: a sample of the ink gives the same profile shape.
  const std::size_t stride = std::max<std::size_t>(1, ink.size() / 20000);
  const double cx = text_mask.cols / 2.0, cy = text_mask.rows / 2.0;
  const int span = static_cast<int>(std::hypot(text_mask.cols, text_mask.rows)) + 2;
  // Offsets from the centre, taken once: the loop below runs 33 times over them.
  std::vector<double> xs, ys;
  xs.reserve(ink.size() / stride + 1);
  ys.reserve(ink.size() / stride + 1);
  for (std::size_t i = 0; i < ink.size(); i += stride) {
    xs.push_back(ink[i].x - cx);
    ys.push_back(ink[i].y - cy);
  }
  std::vector<int> row_of(xs.size());
  std::vector<int> rows(static_cast<std::size_t>(span));
  double best_angle = 0.0, best_score = -1.0;
  for (double angle = -8.0; angle <= 8.0001; angle += 0.5) {
    const double t = angle * CV_PI / 180.0, sin_t = std::sin(t), cos_t = std::cos(t);
    // The rotated row, as warpAffine would put it, rounded half up: it is never negative (the
    // span is the diagonal), so truncation after adding a half is lround, without its call.
    for (std::size_t i = 0; i < xs.size(); ++i) {
      row_of[i] = static_cast<int>(ys[i] * cos_t - xs[i] * sin_t + span / 2.0 + 0.5);
    }
    std::fill(rows.begin(), rows.end(), 0);
    for (int row : row_of) ++rows[static_cast<std::size_t>(row)];
    double sum_squares = 0.0;
    for (int n : rows) sum_squares += static_cast<double>(n) * n;
    // The sum of squared counts grows with the variance (the total is fixed). Prefer the smallest
    // rotation among equals: rotating costs sharpness.
    const double score = sum_squares * (1.0 - 0.002 * std::abs(angle));
    if (score > best_score) best_score = score, best_angle = angle;
  }
  return best_angle;
}

cv::Mat rotate_image(const cv::Mat& gray, double degrees) {
  const cv::Point2f center(gray.cols / 2.0f, gray.rows / 2.0f);
  cv::Mat rotated;
  cv::warpAffine(gray, rotated, cv::getRotationMatrix2D(center, degrees, 1.0), gray.size(),
                 cv::INTER_CUBIC, cv::BORDER_REPLICATE);
  return rotated;
}

namespace {

// Removes components too small to be part of a glyph, and those at (or within a few pixels of)
// the image's edge that are much shorter than a glyph: corners of shapes cut by the frame.
void remove_specks(cv::Mat& text, double glyph_height) {
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(text, labels, stats, centroids, 8, CV_32S);
  const int min_area = std::max(4, static_cast<int>(glyph_height * glyph_height * 0.01));
  std::vector<std::uint8_t> keep(n, 255);
  keep[0] = 0;
  for (int i = 1; i < n; ++i) {
    const int x = stats.at<int>(i, cv::CC_STAT_LEFT), y = stats.at<int>(i, cv::CC_STAT_TOP);
    const int w = stats.at<int>(i, cv::CC_STAT_WIDTH), h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    const int margin = std::max(2, static_cast<int>(glyph_height * 0.15));
    const bool at_edge = x < margin || y < margin || x + w > text.cols - margin ||
                         y + h > text.rows - margin;
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

// Pixels whose colour is no mix of the image's two main colours: coloured noise sprinkled along
// strokes. A mix of two colours lies on the segment between them in colour space; noise lies off
// it. Empty when the image is not essentially two-coloured (then "off the segment" means nothing).
cv::Mat off_palette_pixels(const cv::Mat& image, const cv::Mat& light) {
  if (image.channels() != 3) return {};
  const cv::Scalar dark_colour = cv::mean(image, ~light), light_colour = cv::mean(image, light);
  const cv::Vec3d d(dark_colour[0], dark_colour[1], dark_colour[2]);
  const cv::Vec3d axis = cv::Vec3d(light_colour[0], light_colour[1], light_colour[2]) - d;
  const double length2 = axis.dot(axis);
  if (length2 < 1.0) return {};
  const double limit = std::max(40.0, 0.25 * std::sqrt(length2));
  cv::Mat noise(image.size(), CV_8U);
  for (int r = 0; r < image.rows; ++r) {
    const cv::Vec3b* in = image.ptr<cv::Vec3b>(r);
    std::uint8_t* out = noise.ptr<std::uint8_t>(r);
    for (int c = 0; c < image.cols; ++c) {
      const cv::Vec3d p = cv::Vec3d(in[c][0], in[c][1], in[c][2]) - d;
      const double t = std::clamp(p.dot(axis) / length2, 0.0, 1.0);
      const cv::Vec3d off = p - t * axis;
      out[c] = off.dot(off) > limit * limit ? 255 : 0;
    }
  }
  if (cv::countNonZero(noise) > 0.05 * noise.total()) return {};
  return noise;
}

// The median of a binary mask over a k x k window, which is its majority: a box filter gives the
// same answer as cv::medianBlur in a fraction of the time.
cv::Mat majority(const cv::Mat& mask, int k) {
  cv::Mat share;
  cv::boxFilter(mask, share, CV_32F, {k, k}, {-1, -1}, true, cv::BORDER_REPLICATE);
  return share > 127.5;
}

// Where the ground is light: the majority of the light mask among the pixels not taken for text,
// weighted by closeness. Counting text in the vote would drag the ground's edge along the strokes
// that cross it; leaving out the current guess of the text lets the edge settle where the regions
// meet.
cv::Mat ground_without(const cv::Mat& light, const cv::Mat& text, double reach) {
  cv::Mat ground_votes, light_votes;
  const cv::Mat not_text = ~text;
  not_text.convertTo(ground_votes, CV_32F, 1.0 / 255);
  cv::Mat(light & not_text).convertTo(light_votes, CV_32F, 1.0 / 255);
  cv::GaussianBlur(ground_votes, ground_votes, {0, 0}, reach);
  cv::GaussianBlur(light_votes, light_votes, {0, 0}, reach);
  return light_votes * 2 > ground_votes;
}

// Text whatever its polarity: light strokes on dark ground and dark strokes on light ground both
// differ from the ground. A first ground is the majority of the light mask in a window most of a
// glyph wide (a median keeps straight region edges, and strokes are a minority on both sides of
// one); it is then refined by voting without the text it implies. Off-palette noise sits on
// strokes, so it counts as text.
cv::Mat polarity_free_mask(const cv::Mat& light, const cv::Mat& noise,
                           const TextMetrics& text_size) {
  cv::Mat ground = majority(light, odd(text_size.glyph_height * 0.6));
  cv::Mat text;
  constexpr int kRefinements = 3;
  for (int i = 0; i < kRefinements; ++i) {
    cv::bitwise_xor(light, ground, text);
    ground = ground_without(light, text, 0.07 * text_size.glyph_height);
  }
  cv::bitwise_xor(light, ground, text);
  if (!noise.empty()) text |= noise;
  remove_specks(text, text_size.glyph_height);
  return text;
}

// Enlarges a binary mask with smooth edges: interpolating and thresholding at half way keeps
// strokes as wide as they were relative to the glyph, without staircase edges.
cv::Mat upscale_mask(const cv::Mat& mask, double scale) {
  if (scale <= 1.0) return mask;
  cv::Mat big;
  cv::resize(mask, big, {}, scale, scale, cv::INTER_CUBIC);
  cv::threshold(big, big, 127, 255, cv::THRESH_BINARY);
  return big;
}

// Dark text on white, with a white border: the form Tesseract's LSTM reads best.
Variant make_variant(std::string name, const cv::Mat& text_mask, double scale, int border) {
  cv::Mat page;
  cv::bitwise_not(text_mask, page);
  cv::copyMakeBorder(page, page, border, border, border, border, cv::BORDER_CONSTANT,
                     cv::Scalar(255));
  return Variant{std::move(name), page, scale, border};
}

// Strokes one pixel bolder: thin fonts break apart when binarised.
cv::Mat bolder(const cv::Mat& mask) {
  cv::Mat bold;
  cv::dilate(mask, bold, cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
  return bold;
}

// Documents: Tesseract's own layout analysis and thresholding do well on the grey image.
std::vector<Variant> preprocess_page(cv::Mat gray, const PreprocessOptions& options) {
  const cv::Mat rough = minority_mask(gray);
  if (options.deskew) {
    const double skew = estimate_skew_degrees(rough);
    if (std::abs(skew) >= 0.5) gray = rotate_image(gray, skew);
  }
  TextMetrics text_size = measure_text(rough);
  if (text_size.glyph_height <= 0) text_size.glyph_height = 20.0;
  double scale = std::clamp(options.target_cap_height / text_size.glyph_height, 1.0, 2.0);
  if (scale > 1.05) {
    cv::resize(gray, gray, {}, scale, scale, cv::INTER_CUBIC);
  } else {
    scale = 1.0;
  }
  return {Variant{"gray", gray, scale, 0}};
}

// What surrounds a strip's text. One ground all around the frame: plain dark-on-light (or
// light-on-dark) text, where the threshold itself is the best mask. Otherwise the ground changes
// across the strip.
struct StripGround {
  cv::Mat light;
  std::optional<bool> light_ground;  // set when one ground runs all around the frame
  cv::Mat noise;                     // off-palette pixels; only looked for on a changing ground
};

StripGround find_ground(const cv::Mat& colour, const cv::Mat& gray) {
  StripGround ground;
  ground.light = light_mask(gray);
  ground.light_ground = uniform_ground(ground.light);
  ground.noise = ground.light_ground ? cv::Mat() : off_palette_pixels(colour, ground.light);
  return ground;
}

cv::Mat text_mask(const StripGround& ground, const TextMetrics& size) {
  return ground.light_ground ? ink_on(ground.light, *ground.light_ground)
                             : polarity_free_mask(ground.light, ground.noise, size);
}

// On one ground: the threshold of the upscaled grey keeps the anti-aliasing's detail; then
// bolder strokes; then the polarity-free mask.
std::vector<Variant> threshold_variants(const cv::Mat& gray, const StripGround& ground,
                                        const TextMetrics& text_size, double scale, int border) {
  cv::Mat scaled_gray = gray;
  if (scale > 1.0) cv::resize(gray, scaled_gray, {}, scale, scale, cv::INTER_CUBIC);
  const cv::Mat ink = ink_on(light_mask(scaled_gray), *ground.light_ground);
  std::vector<Variant> variants;
  variants.push_back(make_variant("threshold", ink, scale, border));
  variants.push_back(make_variant("bold", bolder(ink), scale, border));
  const cv::Mat polarity = polarity_free_mask(ground.light, ground.noise, text_size);
  variants.push_back(make_variant("polarity", upscale_mask(polarity, scale), scale, border));
  return variants;
}

// On a changing ground: the polarity-free mask; the same with bolder strokes; a mask from a wider
// ground window (dense text near region edges).
std::vector<Variant> polarity_variants(const cv::Mat& text, const StripGround& ground,
                                       const TextMetrics& text_size, double scale, int border) {
  const cv::Mat polarity = upscale_mask(text, scale);
  const cv::Mat wide =
      polarity_free_mask(ground.light, ground.noise, TextMetrics{text_size.glyph_height * 1.35});
  std::vector<Variant> variants;
  variants.push_back(make_variant("polarity", polarity, scale, border));
  variants.push_back(make_variant("bold", bolder(polarity), scale, border));
  variants.push_back(make_variant("wide-ground", upscale_mask(wide, scale), scale, border));
  return variants;
}

// Strips: masks of the text whatever its colours, straightened and upscaled.
std::vector<Variant> preprocess_strip(const cv::Mat& image, cv::Mat gray,
                                      const PreprocessOptions& options, DebugDump& dump) {
  cv::Mat colour = image;
  StripGround ground = find_ground(colour, gray);
  // Before anything is known of the text, guess its size from the strip's height.
  const TextMetrics guess{gray.rows * 0.4};
  cv::Mat rough = text_mask(ground, guess);
  dump("rough", rough);
  if (options.deskew) {
    const double skew = estimate_skew_degrees(rough);
    if (std::abs(skew) >= 0.5) {
      gray = rotate_image(gray, skew);
      if (image.channels() == 3) colour = rotate_image(image, skew);
      ground = find_ground(colour, gray);
      rough = text_mask(ground, guess);
    }
  }
  TextMetrics text_size = measure_text(rough);
  if (text_size.glyph_height <= 0) text_size.glyph_height = gray.rows * 0.5;
  const cv::Mat text = ground.light_ground ? rough : text_mask(ground, text_size);
  dump("text", text);

  // Upscale small text to the height the LSTM reads best; never shrink.
  double scale = std::clamp(options.target_cap_height / text_size.glyph_height, 1.0, 8.0);
  if (scale <= 1.05) scale = 1.0;
  if (ground.light_ground) return threshold_variants(gray, ground, text_size, scale, options.border);
  return polarity_variants(text, ground, text_size, scale, options.border);
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
  const StageTimer timer(Stage::kPreprocess);
  DebugDump dump(options);
  Preprocessed out;
  out.layout = options.layout == Layout::kAuto ? detect_layout(image) : options.layout;
  const cv::Mat gray = to_gray(image);
  dump("gray", gray);
  out.variants = out.layout == Layout::kStrip ? preprocess_strip(image, gray, options, dump)
                                               : preprocess_page(gray, options);
  for (const Variant& v : out.variants) dump("variant-" + v.name, v.image);
  return out;
}

}  // namespace crossocr
