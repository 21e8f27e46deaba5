#include "local/line_reader.hpp"

#include "stage_clock.hpp"

#include "crossocr/alignment.hpp"
#include "crossocr/errors.hpp"
#include "local/conv_net.hpp"
#include "local/model_path.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

namespace crossocr {
namespace {

// The classes' characters, each as UTF-8.
std::vector<std::string> utf8_characters(const std::string& text) {
  std::vector<std::string> out;
  for (char32_t c : to_code_points(text)) out.push_back(to_utf8(std::u32string(1, c)));
  return out;
}

constexpr int kWidthBucket = 32;  // a multiple of every network's downsampling

}  // namespace

struct LineReader::Impl {
  std::optional<ConvNet> net;
  std::vector<std::string> symbols;
  int height = 32;
  int max_width = 1024;
  int downsample = 4;
};

LineReader::LineReader() : impl_(std::make_unique<Impl>()) {}
LineReader::~LineReader() = default;

std::unique_ptr<LineReader> LineReader::load(const std::string& onnx_path) {
  if (onnx_path.empty() || !std::filesystem::exists(onnx_path)) return nullptr;
  std::unique_ptr<LineReader> r(new LineReader());
  const std::string side = std::filesystem::path(onnx_path).replace_extension(".json").string();
  try {
    std::ifstream in(side);
    if (!in) throw ConfigError("the line reader's character set " + side + " is missing");
    const nlohmann::json meta = nlohmann::json::parse(in);
    r->impl_->symbols = utf8_characters(meta.at("charset").get<std::string>());
    r->impl_->height = meta.value("height", 32);
    r->impl_->max_width = meta.value("max_width", 1024);
    r->impl_->downsample = meta.value("downsample", 4);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("cannot read the line reader's " + side + ": " + e.what());
  }
  r->impl_->net.emplace(onnx_path);  // throws ConfigError naming the file
  return r;
}

NetworkReading LineReader::read(const cv::Mat& image, const std::string& charset) {
  const StageTimer timer(Stage::kLineReader);
  const Impl& m = *impl_;

  // As in training: 32 px high at the line's aspect (area when shrinking, linear when
  // enlarging), RGB stretched to the line's own range, right-padded by repeating the last column.
  cv::Mat bgr;
  if (image.channels() == 1) {
    cv::cvtColor(image, bgr, cv::COLOR_GRAY2BGR);
  } else {
    bgr = image;
  }
  const int width = std::clamp(static_cast<int>(std::lround(bgr.cols * double(m.height) / bgr.rows)), 8,
                               m.max_width);
  cv::Mat line;
  cv::resize(bgr, line, {width, m.height}, 0, 0, bgr.rows > m.height ? cv::INTER_AREA : cv::INTER_LINEAR);
  // Right-padded to a multiple of 32 columns (training padded each batch to its widest line the
  // same way): each input width is compiled into a plan of its own, which costs far more than a
  // forward pass, so widths come in a few buckets.
  const int pad = (kWidthBucket - width % kWidthBucket) % kWidthBucket;
  if (pad) cv::copyMakeBorder(line, line, 0, 0, 0, pad, cv::BORDER_REPLICATE);
  double lo = 0, hi = 0;
  cv::minMaxLoc(line.reshape(1), &lo, &hi);
  const double range = std::max(hi - lo, 1.0);
  cv::Mat scaled;
  line.convertTo(scaled, CV_32F, 1.0 / range, -lo / range);
  // The network takes R, G and B planes, one after another.
  cv::Mat channels[3];
  cv::split(scaled, channels);
  std::vector<float> planes(3 * scaled.total());
  for (int c = 0; c < 3; ++c) {
    std::copy_n(channels[2 - c].ptr<float>(), scaled.total(), planes.begin() + c * scaled.total());
  }
  const ConvNetOutput out = impl_->net->forward(planes.data(), 3, scaled.rows, scaled.cols);
  const int steps = out.steps;
  CtcDecoded decoded =
      ctc_greedy_decode(out.logits, out.classes, steps, m.symbols, classes_within(m.symbols, charset));
  // Spaces at either end are margin the network took for a word gap.
  while (!decoded.glyphs.empty() && decoded.glyphs.back().text == " ") {
    decoded.glyphs.pop_back();
    decoded.step_spans.pop_back();
  }
  while (!decoded.glyphs.empty() && decoded.glyphs.front().text == " ") {
    decoded.glyphs.erase(decoded.glyphs.begin());
    decoded.step_spans.erase(decoded.step_spans.begin());
  }
  // A step covers `downsample` input columns, i.e. that many times the resize factor in the image.
  const double step_width = m.downsample * double(bgr.cols) / width;
  return network_reading(std::move(decoded), step_width, 0.0, bgr.size(), "line-reader");
}

std::string default_line_reader_path() { return default_model_path("line_reader.onnx"); }

}  // namespace crossocr
