#include "strip_recognizer.hpp"

#include "crossocr/errors.hpp"

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace crossocr {
namespace {

// The order of tools/train_recognizer.py's CHARSET; class 0 is CTC's blank.
constexpr std::string_view kCharset =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr int kHeight = 32, kWidth = 128;

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

Reading StripRecognizer::read(const cv::Mat& bgr) {
  Reading reading;
  reading.engine = "local";
  reading.variant = "recognizer";
  reading.confidence_source = "glyphs";
  // As in training: grey, area-resampled to 32x128, stretched to the strip's own range.
  cv::Mat gray, small, input;
  if (bgr.channels() == 3) {
    cv::cvtColor(bgr, gray, cv::COLOR_BGR2GRAY);
  } else {
    gray = bgr;
  }
  cv::resize(gray, small, {kWidth, kHeight}, 0, 0, cv::INTER_AREA);
  double lo = 0, hi = 0;
  cv::minMaxLoc(small, &lo, &hi);
  small.convertTo(input, CV_32F, 1.0 / std::max(hi - lo, 1.0), -lo / std::max(hi - lo, 1.0));
  impl_->net.setInput(cv::dnn::blobFromImage(input));
  const cv::Mat logits = impl_->net.forward();  // 1 x classes x 1 x T
  const int classes = logits.size[1], steps = logits.size[3];

  // Greedy CTC: the best class per step, repeats merged, blanks dropped; a character's confidence
  // is its softmax probability at the step that emitted it.
  const float* data = logits.ptr<float>();
  int previous = 0;
  double sum = 0.0;
  for (int t = 0; t < steps; ++t) {
    int best = 0;
    for (int c = 1; c < classes; ++c) {
      if (data[c * steps + t] > data[best * steps + t]) best = c;
    }
    if (best != 0 && best != previous && best - 1 < static_cast<int>(kCharset.size())) {
      double z = 0.0;
      for (int c = 0; c < classes; ++c) z += std::exp(data[c * steps + t] - data[best * steps + t]);
      Glyph g;
      g.text = std::string(1, kCharset[best - 1]);
      g.confidence = 1.0 / z;
      g.box = cv::Rect(bgr.cols * t / steps, 0, std::max(1, bgr.cols / steps), bgr.rows);
      sum += g.confidence;
      reading.text += g.text;
      reading.glyphs.push_back(std::move(g));
    }
    previous = best;
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
