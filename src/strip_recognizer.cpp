#include "strip_recognizer.hpp"

#include "crossocr/errors.hpp"

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <utility>
#include <vector>

namespace crossocr {
namespace {

// The order of tools/train_recognizer.py's CHARSET; class 0 is CTC's blank.
constexpr std::string_view kCharset =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr int kHeight = 32, kWidth = 128;
constexpr int kMinAspect = 3;  // width : height below which a strip is padded
// Runners-up below this probability are noise, not alternatives.
constexpr double kMinAlternative = 0.01;

}  // namespace

struct StripRecognizer::Impl {
  cv::dnn::Net net;
};

StripRecognizer::StripRecognizer() : impl_(std::make_unique<Impl>()) {}
StripRecognizer::~StripRecognizer() = default;

std::unique_ptr<StripRecognizer> StripRecognizer::load(const std::string& onnx_path) {
  if (onnx_path.empty() || !std::filesystem::exists(onnx_path)) return nullptr;
  std::unique_ptr<StripRecognizer> r(new StripRecognizer());
  try {
    r->impl_->net = cv::dnn::readNetFromONNX(onnx_path);
  } catch (const cv::Exception& e) {
    throw ConfigError("cannot load the strip recogniser " + onnx_path + ": " + e.err);
  }
  r->impl_->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  cv::setNumThreads(1);  // one recogniser per worker thread already fills the cores
  return r;
}

namespace {

// The network's input, and where the image lies in it.
struct StripInput {
  cv::Mat input;  // 1 x 32 x 128, float
  int pad = 0;    // columns of ground added on each side
  int width = 0;  // the padded width, in the image's pixels
};

// Ground colour: the median of the first and last columns, where text rarely is.
uchar ground_of(const cv::Mat& grey) {
  std::vector<uchar> edge;
  for (int y = 0; y < grey.rows; ++y) {
    edge.push_back(grey.at<uchar>(y, 0));
    edge.push_back(grey.at<uchar>(y, grey.cols - 1));
  }
  std::nth_element(edge.begin(), edge.begin() + edge.size() / 2, edge.end());
  return edge[edge.size() / 2];
}

// As in training: the darkest of the three channels (pale colours on white keep the contrast they
// lose in luminance), area-resampled to 32x128, stretched to the strip's own range. (Training
// resampled with Pillow's BOX, whole pixels by their centres; INTER_AREA's exact areas are
// smoother, and with them the previous file read as well or better on every shared set, see
// models/README.md.) A strip narrower than 3:1 is first widened with its ground colour: squeezed
// into 4:1 its letters would be stretched wider than any the network was trained on (on a
// checkpoint of an earlier model, swust-login's 2.7:1 strips went from 79% to 88% read ignoring
// case, pycaptcha's from 63% to 69%; strips of 3:1 and wider are left alone).
StripInput strip_input(const cv::Mat& bgr) {
  StripInput out;
  cv::Mat grey, small;
  if (bgr.channels() == 3) {
    cv::Mat channels[3];
    cv::split(bgr, channels);
    grey = cv::min(cv::min(channels[0], channels[1]), channels[2]);
  } else {
    grey = bgr;
  }
  if (grey.cols < kMinAspect * grey.rows) {
    out.pad = (kMinAspect * grey.rows - grey.cols + 1) / 2;
    cv::copyMakeBorder(grey, grey, 0, 0, out.pad, out.pad, cv::BORDER_CONSTANT,
                       cv::Scalar(ground_of(grey)));
  }
  out.width = grey.cols;
  cv::resize(grey, small, {kWidth, kHeight}, 0, 0, cv::INTER_AREA);
  double lo = 0, hi = 0;
  cv::minMaxLoc(small, &lo, &hi);
  const double range = std::max(hi - lo, 1.0);
  small.convertTo(out.input, CV_32F, 1.0 / range, -lo / range);
  return out;
}

// CTC marks where a character is, in a step or two, not where its ink begins and ends: a glyph's
// box runs from halfway after the previous glyph's steps to halfway before the next one's (the
// outer glyphs reach as far out as their neighbours' half-gaps on average), full height.
void place_glyph_boxes(std::vector<Glyph>& glyphs, const std::vector<std::pair<int, int>>& steps_of,
                       int steps, const StripInput& strip, cv::Size image) {
  if (glyphs.empty()) return;
  const double step_width = static_cast<double>(strip.width) / steps;
  const auto centre = [&](std::size_t i) {
    return (steps_of[i].first + steps_of[i].second + 1) / 2.0 * step_width - strip.pad;
  };
  const double half_gap = glyphs.size() > 1
                              ? (centre(glyphs.size() - 1) - centre(0)) / (glyphs.size() - 1) / 2
                              : image.width / 2.0;
  for (std::size_t i = 0; i < glyphs.size(); ++i) {
    const double left = i > 0 ? (centre(i - 1) + centre(i)) / 2 : centre(i) - half_gap;
    const double right = i + 1 < glyphs.size() ? (centre(i) + centre(i + 1)) / 2 : centre(i) + half_gap;
    const int x0 = std::clamp(static_cast<int>(std::lround(left)), 0, image.width - 1);
    const int x1 = std::clamp(static_cast<int>(std::lround(right)), x0 + 1, image.width);
    glyphs[i].box = cv::Rect(x0, 0, x1 - x0, image.height);
  }
}

}  // namespace

Reading StripRecognizer::read(const cv::Mat& bgr, const std::string& charset) {
  Reading reading;
  reading.engine = "local";
  reading.variant = "recognizer";
  reading.confidence_source = "glyphs";
  const StripInput strip = strip_input(bgr);
  impl_->net.setInput(cv::dnn::blobFromImage(strip.input));
  const cv::Mat logits = impl_->net.forward();  // 1 x classes x 1 x T
  const int classes = logits.size[1], steps = logits.size[3];
  std::vector<bool> allowed(classes, true);
  for (int c = 1; c < classes && !charset.empty(); ++c) {
    allowed[c] = c - 1 < static_cast<int>(kCharset.size()) &&
                 charset.find(kCharset[c - 1]) != std::string::npos;
  }

  // Greedy CTC: the best class per step, repeats merged, blanks dropped. A character's confidence
  // is its softmax probability at its most certain step; the runners-up come from that step too.
  const float* data = logits.ptr<float>();
  std::vector<double> probability(classes);
  std::vector<std::pair<int, int>> centre_steps;  // each glyph's first and last step
  int previous = 0;
  for (int t = 0; t < steps; ++t) {
    int best = 0;
    for (int c = 1; c < classes; ++c) {
      if (allowed[c] && data[c * steps + t] > data[best * steps + t]) best = c;
    }
    const bool letter = best != 0 && best - 1 < static_cast<int>(kCharset.size());
    if (letter) {
      double z = 0.0;
      for (int c = 0; c < classes; ++c) {
        z += probability[c] = std::exp(data[c * steps + t] - data[best * steps + t]);
      }
      for (double& p : probability) p /= z;
      if (best != previous) {
        Glyph glyph;
        glyph.text = std::string(1, kCharset[best - 1]);
        reading.glyphs.push_back(std::move(glyph));
        centre_steps.emplace_back(t, t);
      }
      Glyph& g = reading.glyphs.back();
      centre_steps.back().second = t;
      if (probability[best] > g.confidence) {
        g.confidence = probability[best];
        g.alternatives.clear();
        for (int c = 1; c < classes && c - 1 < static_cast<int>(kCharset.size()); ++c) {
          if (c != best && allowed[c] && probability[c] >= kMinAlternative) {
            g.alternatives.push_back({std::string(1, kCharset[c - 1]), probability[c]});
          }
        }
        keep_likeliest(g.alternatives);
      }
    }
    previous = best;
  }
  place_glyph_boxes(reading.glyphs, centre_steps, steps, strip, bgr.size());
  double sum = 0.0;
  for (const Glyph& g : reading.glyphs) {
    reading.text += g.text;
    sum += g.confidence;
  }
  reading.confidence = reading.glyphs.empty() ? 0.0 : sum / reading.glyphs.size();
  return reading;
}

std::string default_recognizer_path() {
  if (const char* dir = std::getenv("CROSSOCR_MODELS"); dir && *dir) {
    return std::string(dir) + "/strip_recognizer.onnx";
  }
  const std::string installed = std::string(CROSSOCR_INSTALLED_MODELS_DIR) + "/strip_recognizer.onnx";
  if (std::filesystem::exists(installed)) return installed;
  return std::string(CROSSOCR_SOURCE_MODELS_DIR) + "/strip_recognizer.onnx";
}

}  // namespace crossocr
