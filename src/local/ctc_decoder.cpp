#include "local/ctc_decoder.hpp"

#include "local/glyph_choices.hpp"

#include <algorithm>
#include <cmath>

namespace crossocr {
namespace {

// Runners-up below this probability are noise, not alternatives.
constexpr double kMinAlternative = 0.01;

}  // namespace

CtcDecoded ctc_greedy_decode(const float* data, int classes, int steps,
                             const std::vector<std::string>& symbols, const std::vector<bool>& allowed) {
  const auto ok = [&](int c) { return allowed.empty() || allowed[c]; };
  const int letters = std::min<int>(classes - 1, static_cast<int>(symbols.size()));
  CtcDecoded out;
  std::vector<double> probability(classes);
  int previous = 0;
  for (int t = 0; t < steps; ++t) {
    int best = 0;
    for (int c = 1; c < classes; ++c) {
      if (ok(c) && data[c * steps + t] > data[best * steps + t]) best = c;
    }
    double z = 0.0;
    for (int c = 0; c < classes; ++c) z += probability[c] = std::exp(data[c * steps + t] - data[best * steps + t]);
    for (double& p : probability) p /= z;
    out.path_log_probability += std::log(std::max(probability[best], 1e-12));
    const bool letter = best != 0 && best <= letters;
    if (letter) {
      if (best != previous) {
        Glyph glyph;
        glyph.text = symbols[best - 1];
        out.glyphs.push_back(std::move(glyph));
        out.step_spans.emplace_back(t, t);
      }
      Glyph& g = out.glyphs.back();
      out.step_spans.back().second = t;
      // A character's confidence is its probability at its most certain step; the runners-up
      // come from that step too.
      if (probability[best] > g.confidence) {
        g.confidence = probability[best];
        g.alternatives.clear();
        for (int c = 1; c <= letters; ++c) {
          if (c != best && ok(c) && probability[c] >= kMinAlternative) {
            g.alternatives.push_back({symbols[c - 1], probability[c]});
          }
        }
        keep_likeliest(g.alternatives);
      }
    }
    previous = best;
  }
  return out;
}

std::vector<bool> classes_within(const std::vector<std::string>& symbols, const std::string& charset) {
  if (charset.empty()) return {};
  std::vector<bool> allowed(symbols.size() + 1, false);
  allowed[0] = true;  // the blank
  for (std::size_t k = 0; k < symbols.size(); ++k) {
    allowed[k + 1] = charset.find(symbols[k]) != std::string::npos;
  }
  return allowed;
}

void place_glyph_boxes(std::vector<Glyph>& glyphs, const std::vector<std::pair<int, int>>& spans,
                       double step_width, double x0, cv::Size image) {
  if (glyphs.empty()) return;
  const auto centre = [&](std::size_t i) {
    return (spans[i].first + spans[i].second + 1) / 2.0 * step_width - x0;
  };
  // The outer glyphs reach as far out as their neighbours' half-gaps on average.
  const double half_gap = glyphs.size() > 1
                              ? (centre(glyphs.size() - 1) - centre(0)) / (glyphs.size() - 1) / 2
                              : image.width / 2.0;
  for (std::size_t i = 0; i < glyphs.size(); ++i) {
    const double left = i > 0 ? (centre(i - 1) + centre(i)) / 2 : centre(i) - half_gap;
    const double right = i + 1 < glyphs.size() ? (centre(i) + centre(i + 1)) / 2 : centre(i) + half_gap;
    const int a = std::clamp(static_cast<int>(std::lround(left)), 0, image.width - 1);
    const int b = std::clamp(static_cast<int>(std::lround(right)), a + 1, image.width);
    glyphs[i].box = cv::Rect(a, 0, b - a, image.height);
  }
}

NetworkReading network_reading(CtcDecoded decoded, double step_width, double x0, cv::Size image,
                               const std::string& variant) {
  NetworkReading out;
  Reading& r = out.reading;
  r.engine = "local";
  r.variant = variant;
  r.confidence_source = "glyphs";
  r.glyphs = std::move(decoded.glyphs);
  place_glyph_boxes(r.glyphs, decoded.step_spans, step_width, x0, image);
  out.path_log_probability = decoded.path_log_probability;
  double sum = 0.0;
  for (const Glyph& g : r.glyphs) {
    r.text += g.text;
    sum += g.confidence;
  }
  r.confidence = r.glyphs.empty() ? 0.0 : sum / r.glyphs.size();
  return out;
}

}  // namespace crossocr
