#include "local/line_finder.hpp"

#include "local/preprocess_steps.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <numeric>

namespace crossocr {
namespace {

// A row belongs to a line's core when it holds at least this share of the fullest row's ink: the
// rows between two lines hold only descenders and ascenders.
constexpr double kCoreShare = 0.12;
// Bands thinner than this share of the tallest are underlines, specks or accents, not lines.
constexpr double kMinBandShare = 0.35;

struct Band {
  int top, bottom;  // rows [top, bottom)
};

std::vector<Band> core_bands(const std::vector<int>& profile) {
  const int fullest = *std::max_element(profile.begin(), profile.end());
  const int threshold = std::max(1, static_cast<int>(fullest * kCoreShare));
  std::vector<Band> bands;
  for (int y = 0; y < static_cast<int>(profile.size()); ++y) {
    if (profile[y] < threshold) continue;
    if (bands.empty() || bands.back().bottom < y) bands.push_back({y, y + 1});
    bands.back().bottom = y + 1;
  }
  if (bands.empty()) return bands;
  int tallest = 0;
  for (const Band& b : bands) tallest = std::max(tallest, b.bottom - b.top);
  std::erase_if(bands, [&](const Band& b) { return b.bottom - b.top < std::max(3.0, kMinBandShare * tallest); });
  return bands;
}

// Where to cut between two bands: the emptiest row between them (the middle of a run of equals).
int cut_between(const std::vector<int>& profile, const Band& upper, const Band& lower) {
  int best = upper.bottom, lowest = profile[upper.bottom];
  for (int y = upper.bottom; y < lower.top; ++y) {
    if (profile[y] < lowest) lowest = profile[y], best = y;
  }
  int end = best;
  while (end + 1 < lower.top && profile[end + 1] == lowest) ++end;
  return (best + end + 1) / 2;
}

// The band narrowed to its ink's columns plus half its height each side (the line reader was
// trained with margins of that order; a short line under a long one would otherwise be mostly
// ground).
cv::Rect trim_columns(const cv::Mat& ink, const cv::Rect& band) {
  cv::Mat columns;
  cv::reduce(ink(band), columns, 0, cv::REDUCE_MAX);
  std::vector<cv::Point> inked;
  cv::findNonZero(columns, inked);
  if (inked.empty()) return band;
  const int reach = band.height / 2;
  const int x0 = std::max(0, inked.front().x - reach);
  const int x1 = std::min(band.width, inked.back().x + 1 + reach);
  return cv::Rect(x0, band.y, x1 - x0, band.height);
}

}  // namespace

TextLines find_text_lines(const cv::Mat& bgr) {
  TextLines out;
  out.image = bgr;
  cv::Mat grey;
  if (bgr.channels() == 3) {
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  } else {
    grey = bgr;
  }
  cv::Mat ink = minority_mask(grey);
  out.skew_degrees = estimate_skew_degrees(ink);
  if (std::abs(out.skew_degrees) >= 0.5) {
    out.image = rotate_image(bgr, out.skew_degrees);
    ink = rotate_image(ink, out.skew_degrees) > 127;
  }
  // The outermost columns often hold a border or the edge of the next label.
  std::vector<int> profile(ink.rows, 0);
  const int margin = std::min(2, ink.cols / 8);
  for (int y = 0; y < ink.rows; ++y) {
    profile[y] = cv::countNonZero(ink.row(y).colRange(margin, ink.cols - margin));
  }
  if (std::accumulate(profile.begin(), profile.end(), 0L) == 0) return out;
  const std::vector<Band> bands = core_bands(profile);
  if (bands.size() < 2) {
    out.lines.push_back(cv::Rect(0, 0, out.image.cols, out.image.rows));
    return out;
  }
  int top = 0;
  for (std::size_t i = 0; i < bands.size(); ++i) {
    const int bottom = i + 1 < bands.size() ? cut_between(profile, bands[i], bands[i + 1]) : out.image.rows;
    out.lines.push_back(trim_columns(ink, cv::Rect(0, top, out.image.cols, bottom - top)));
    top = bottom;
  }
  return out;
}

}  // namespace crossocr
