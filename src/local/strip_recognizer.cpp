#include "local/strip_recognizer.hpp"

#include "stage_clock.hpp"

#include "crossocr/errors.hpp"
#include "local/conv_net.hpp"
#include "local/ctc_decoder.hpp"
#include "local/model_path.hpp"

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

const std::vector<std::string>& symbols() {
  static const std::vector<std::string> table = [] {
    std::vector<std::string> out;
    for (char c : kCharset) out.emplace_back(1, c);
    return out;
  }();
  return table;
}

}  // namespace

struct StripRecognizer::Impl {
  explicit Impl(const std::string& path) : net(path) {}
  ConvNet net;
};

StripRecognizer::StripRecognizer() = default;
StripRecognizer::~StripRecognizer() = default;

std::unique_ptr<StripRecognizer> StripRecognizer::load(const std::string& onnx_path) {
  if (onnx_path.empty() || !std::filesystem::exists(onnx_path)) return nullptr;
  std::unique_ptr<StripRecognizer> r(new StripRecognizer());
  r->impl_ = std::make_unique<Impl>(onnx_path);  // throws ConfigError naming the file
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
// lose in luminance), area-resampled to 32x128, stretched to the strip's own range. A strip
// narrower than 3:1 is first widened with its ground colour: squeezed into 4:1 its letters would
// be stretched wider than any the network was trained on. (The measured effect of both choices is
// in models/README.md.)
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

}  // namespace

NetworkReading StripRecognizer::read(const cv::Mat& bgr, const std::string& charset) {
  const StageTimer timer(Stage::kStripRecognizer);
  const StripInput strip = strip_input(bgr);
  const ConvNetOutput out = impl_->net.forward(strip.input.ptr<float>(), 1, kHeight, kWidth);
  CtcDecoded decoded = ctc_greedy_decode(out.logits, out.classes, out.steps, symbols(),
                                         classes_within(symbols(), charset));
  return network_reading(std::move(decoded), static_cast<double>(strip.width) / out.steps, strip.pad,
                         bgr.size(), "recognizer");
}

namespace {

// The affine maps from a strip to its four variants: shifted two pixels either way, scaled 5%
// either way about its centre.
std::vector<cv::Mat> variant_maps(cv::Size size) {
  std::vector<cv::Mat> maps;
  for (const double dx : {-2.0, 2.0}) maps.push_back((cv::Mat_<double>(2, 3) << 1, 0, dx, 0, 1, 0));
  const cv::Point2f centre(size.width / 2.0f, size.height / 2.0f);
  for (const double scale : {0.95, 1.05}) maps.push_back(cv::getRotationMatrix2D(centre, 0, scale));
  return maps;
}

// Glyph boxes read in a variant, moved back into the strip's pixels.
void boxes_back(Reading& reading, const cv::Mat& map, cv::Size size) {
  cv::Mat back;
  cv::invertAffineTransform(map, back);
  for (Glyph& g : reading.glyphs) {
    std::vector<cv::Point2f> corners{cv::Point2f(g.box.tl()), cv::Point2f(g.box.br())};
    cv::transform(corners, corners, back);
    g.box = cv::Rect(cv::Point(cvRound(corners[0].x), cvRound(corners[0].y)),
                     cv::Point(cvRound(corners[1].x), cvRound(corners[1].y))) &
            cv::Rect({0, 0}, size);
  }
}

}  // namespace

NetworkReading StripRecognizer::read_by_majority(const cv::Mat& bgr, const std::string& charset) {
  std::vector<NetworkReading> readings;
  readings.push_back(read(bgr, charset));
  for (const cv::Mat& map : variant_maps(bgr.size())) {
    cv::Mat variant;
    cv::warpAffine(bgr, variant, map, bgr.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    readings.push_back(read(variant, charset));
    boxes_back(readings.back().reading, map, bgr.size());
  }
  const auto agreeing = [&](const NetworkReading& r) {
    return std::count_if(readings.begin(), readings.end(),
                         [&](const NetworkReading& o) { return o.reading.text == r.reading.text; });
  };
  std::size_t best = 0;  // the drawn strip's, unless more agree on another
  for (std::size_t i = 1; i < readings.size(); ++i) {
    if (agreeing(readings[i]) > agreeing(readings[best])) best = i;
  }
  return std::move(readings[best]);
}

std::string default_recognizer_path() { return default_model_path("strip_recognizer.onnx"); }

}  // namespace crossocr
