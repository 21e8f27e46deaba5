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

// Which line each ink pixel belongs to. A straight cut at the emptiest row between two lines
// took the tails off g, j, p, q and y where lines are set tightly (read as a, i, o, a and v)
// and handed them to the next line. So ink is given out by connected component: a component
// goes whole to the line its centre lies in (a descender stays with its letter, a dot with its
// i), unless it is two lines' letters run together (a tail touching a capital below: it covers
// at least kCoreCovered of both lines' cores). Those are parted where they touch.
constexpr double kCoreCovered = 0.5;
constexpr int kGround = -1;  // the owner of a pixel that is no ink

struct Owner {
  int line;            // the component's line, or the upper of two run together
  int last_row = -1;   // when run together: the upper line's last row of it
};

// Where a component of two lines' letters is thinnest between the two cores: where a tail
// meets the letter below. Of equally thin rows the lowest, so that the tail stays whole.
int touching_row(const cv::Mat& labels, int c, const Band& upper, const Band& lower) {
  int best = (upper.bottom + lower.top) / 2, thinnest = labels.cols + 1;
  for (int y = std::max(0, upper.bottom); y < std::min(labels.rows, lower.top + 1); ++y) {
    const int width = cv::countNonZero(labels.row(y) == c);
    if (width > 0 && width <= thinnest) thinnest = width, best = y;
  }
  return best;
}

bool covers(int top, int bottom, const Band& core) {
  const int overlap = std::min(bottom, core.bottom) - std::max(top, core.top);
  return overlap >= kCoreCovered * (core.bottom - core.top);
}

cv::Mat ink_owners(const cv::Mat& ink, const std::vector<Band>& bands, const std::vector<int>& cuts) {
  cv::Mat labels, stats, centroids;
  const int n = cv::connectedComponentsWithStats(ink, labels, stats, centroids, 8, CV_32S);
  std::vector<Owner> owners(n, Owner{0});
  for (int c = 1; c < n; ++c) {
    const int top = stats.at<int>(c, cv::CC_STAT_TOP), bottom = top + stats.at<int>(c, cv::CC_STAT_HEIGHT);
    const int centre = static_cast<int>(centroids.at<double>(c, 1));
    owners[c].line = static_cast<int>(std::upper_bound(cuts.begin(), cuts.end(), centre) - cuts.begin());
    for (std::size_t l = 0; l + 1 < bands.size(); ++l) {
      if (covers(top, bottom, bands[l]) && covers(top, bottom, bands[l + 1])) {
        owners[c] = Owner{static_cast<int>(l), touching_row(labels, c, bands[l], bands[l + 1])};
        break;
      }
    }
  }
  cv::Mat owner_of_pixel(ink.size(), CV_32S, cv::Scalar(kGround));
  for (int y = 0; y < labels.rows; ++y) {
    for (int x = 0; x < labels.cols; ++x) {
      const int c = labels.at<int>(y, x);
      if (c == 0) continue;
      const Owner& o = owners[c];
      const int line = o.last_row >= 0 && y > o.last_row ? o.line + 1 : o.line;
      owner_of_pixel.at<int>(y, x) = line;
    }
  }
  return owner_of_pixel;
}

// The rows from the cut above to the cut below, widened to take in the line's own ink that
// reaches past them, then narrowed to its ink's columns plus half its height each side (the line
// reader was trained with margins of that order; a short line under a long one would otherwise
// be mostly ground).
cv::Rect line_bounds(const cv::Mat& own_ink, int top, int bottom) {
  std::vector<cv::Point> inked;
  cv::findNonZero(own_ink, inked);
  if (inked.empty()) return cv::Rect(0, top, own_ink.cols, bottom - top);
  int x0 = own_ink.cols, x1 = 0;
  for (const cv::Point& p : inked) {
    top = std::min(top, p.y), bottom = std::max(bottom, p.y + 1);
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x + 1);
  }
  const int reach = (bottom - top) / 2;
  x0 = std::max(0, x0 - reach), x1 = std::min(own_ink.cols, x1 + reach);
  return cv::Rect(x0, top, x1 - x0, bottom - top);
}

// A line's pixels: its neighbours' ink that reaches into its rows (and the pixel round it, where
// anti-aliasing blends it into the ground) painted over with the mean colour of the ground.
TextLine cut_line(const cv::Mat& image, const cv::Mat& owners, int line, int top, int bottom) {
  const cv::Mat own_ink = owners == line;
  const cv::Rect bounds = line_bounds(own_ink, top, bottom);
  cv::Mat pixels = image(bounds).clone();
  const cv::Mat ink = owners(bounds) != kGround;
  cv::Mat others = ink & ~own_ink(bounds);
  if (cv::countNonZero(others) > 0) {
    cv::dilate(others, others, cv::Mat());
    others &= ~own_ink(bounds);
    cv::Mat ink_near;
    cv::dilate(ink, ink_near, cv::Mat());
    const cv::Mat ground = ~ink_near;
    if (cv::countNonZero(ground) > 0) pixels.setTo(cv::mean(pixels, ground), others);
  }
  return TextLine{bounds, pixels};
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
    out.lines.push_back(TextLine{cv::Rect(0, 0, out.image.cols, out.image.rows), out.image});
    return out;
  }
  std::vector<int> cuts;
  for (std::size_t i = 0; i + 1 < bands.size(); ++i) cuts.push_back(cut_between(profile, bands[i], bands[i + 1]));
  const cv::Mat owners = ink_owners(ink, bands, cuts);
  for (std::size_t i = 0; i < bands.size(); ++i) {
    const int top = i == 0 ? 0 : cuts[i - 1], bottom = i < cuts.size() ? cuts[i] : ink.rows;
    out.lines.push_back(cut_line(out.image, owners, static_cast<int>(i), top, bottom));
  }
  return out;
}

}  // namespace crossocr
