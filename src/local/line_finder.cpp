#include "local/line_finder.hpp"

#include "stage_clock.hpp"

#include "local/preprocess_steps.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <numeric>

namespace crossocr {
namespace {

struct Band {
  int top, bottom;  // rows [top, bottom)
};

// A glyph-sized connected component of the ink: its rows and its vertical centre.
struct Glyph {
  int top, bottom;
  double centre() const { return (top + bottom) / 2.0; }
};

// The components of a glyph's size: neither specks, dots and dashes (shorter than half the
// typical glyph), nor rules, frames and letters of two lines run together (taller than one and a
// half). The typical glyph is the upper quartile of component heights: broken strokes and
// punctuation pull the median down.
std::vector<Glyph> glyph_components(const cv::Mat& ink) {
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  std::vector<Glyph> all;
  std::vector<int> heights;
  for (int i = 1; i < n; ++i) {
    const int h = stats.at<int>(i, cv::CC_STAT_HEIGHT);
    if (h < 3 || stats.at<int>(i, cv::CC_STAT_AREA) < 4) continue;
    all.push_back({stats.at<int>(i, cv::CC_STAT_TOP), stats.at<int>(i, cv::CC_STAT_TOP) + h});
    heights.push_back(h);
  }
  if (heights.empty()) return {};
  std::sort(heights.begin(), heights.end());
  const double typical = heights[heights.size() * 3 / 4];
  std::erase_if(all, [&](const Glyph& g) {
    const int h = g.bottom - g.top;
    return h < 0.5 * typical || h > 1.5 * typical;
  });
  return all;
}

int median(std::vector<int> values) {
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

// Rows between two lines hold at most descenders and ascenders: the emptiest of them is nearly
// empty next to the lines' fullest rows. Between letters of one line that jump up and down (a
// CAPTCHA) the rows are as full as the letters.
constexpr double kMostInkBetweenLines = 0.2;

bool separated(const std::vector<int>& profile, const Band& upper, const Band& lower) {
  if (lower.top <= upper.bottom) return false;
  const int between = *std::min_element(profile.begin() + upper.bottom, profile.begin() + lower.top);
  const int fullest = std::max(*std::max_element(profile.begin() + upper.top, profile.begin() + upper.bottom),
                               *std::max_element(profile.begin() + lower.top, profile.begin() + lower.bottom));
  return between <= kMostInkBetweenLines * fullest;
}

// Lines are groups of glyphs whose centres lie close together; the next line's glyphs start
// after a gap in the sorted centres. A group is a line of its own only if its core (median top
// to median bottom) lies wholly below the previous line's and the rows between are nearly empty;
// otherwise it joins the previous line. Each band is a line's core.
std::vector<Band> core_bands(const cv::Mat& ink, const std::vector<int>& profile) {
  std::vector<Glyph> glyphs = glyph_components(ink);
  if (glyphs.size() < 2) return {};
  std::sort(glyphs.begin(), glyphs.end(), [](const Glyph& a, const Glyph& b) { return a.centre() < b.centre(); });
  std::vector<int> heights;
  for (const Glyph& g : glyphs) heights.push_back(g.bottom - g.top);
  const double gap = 0.5 * median(heights);
  std::vector<std::vector<Glyph>> groups{{glyphs.front()}};
  for (std::size_t i = 1; i < glyphs.size(); ++i) {
    if (glyphs[i].centre() - glyphs[i - 1].centre() > gap) groups.emplace_back();
    groups.back().push_back(glyphs[i]);
  }
  std::vector<Band> bands;
  for (const auto& group : groups) {
    if (group.size() < 2) continue;  // a lone mark (a stroke of noise, a logo) is no line; it stays in a band's rows
    std::vector<int> tops, bottoms;
    for (const Glyph& g : group) tops.push_back(g.top), bottoms.push_back(g.bottom);
    const Band core{median(tops), median(bottoms)};
    if (!bands.empty() && !separated(profile, bands.back(), core)) {
      bands.back().bottom = std::max(bands.back().bottom, core.bottom);  // the same line
    } else {
      bands.push_back(core);
    }
  }
  return bands;
}

// Where to cut between two bands: the emptiest row between them (the middle of a run of equals).
int cut_between(const std::vector<int>& profile, const Band& upper, const Band& lower) {
  if (lower.top <= upper.bottom) return (upper.bottom + lower.top) / 2;
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
  const StageTimer timer(Stage::kLineFinder);
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
  const std::vector<Band> bands = core_bands(ink, profile);
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
