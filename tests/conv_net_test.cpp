#include "local/conv_net.hpp"

#include "crossocr/errors.hpp"
#include "crossocr/evaluation.hpp"
#include "crossocr/image_loader.hpp"
#include "local/line_reader.hpp"
#include "local/strip_recognizer.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

namespace crossocr {
namespace {

// A real image as the networks take it: `channels` planes of height x width, scaled to 0..1.
std::vector<float> planes_of(const std::string& image_path, int channels, int height, int width) {
  const LoadedImage image = load_image(image_path);
  EXPECT_TRUE(image.ok()) << image_path;
  cv::Mat resized, scaled;
  cv::resize(image.pixels, resized, {width, height}, 0, 0, cv::INTER_AREA);
  if (channels == 1 && resized.channels() == 3) cv::cvtColor(resized, resized, cv::COLOR_BGR2GRAY);
  resized.convertTo(scaled, CV_32F, 1.0 / 255);
  std::vector<cv::Mat> split;
  cv::split(scaled, split);
  std::vector<float> out;
  for (const cv::Mat& plane : split) out.insert(out.end(), plane.begin<float>(), plane.end<float>());
  return out;
}

// The same network run by OpenCV's dnn module, which ran it before ConvNet did.
cv::Mat opencv_logits(const std::string& onnx, std::vector<float> planes, int channels, int height, int width) {
  cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx);
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  const int shape[] = {1, channels, height, width};
  net.setInput(cv::Mat(4, shape, CV_32F, planes.data()));
  return net.forward().clone();
}

// In float32 the logits are OpenCV's but for the order of sums. In bfloat16 (8 bits of mantissa)
// they move by a few hundredths to tenths, and the best class changes only where OpenCV's two
// best were within that of each other.
void expect_same_logits(const std::string& onnx, const std::string& image, int channels, int height, int width,
                        NetPrecision precision = NetPrecision::kFloat32) {
  const std::vector<float> planes = planes_of(image, channels, height, width);
  const cv::Mat expected = opencv_logits(onnx, planes, channels, height, width);
  ConvNet net(onnx, precision);
  const double tolerance = net.bfloat16() ? 0.5 : 1e-3;
  for (int call = 0; call < 2; ++call) {  // the second call reuses the first's plan
    const ConvNetOutput out = net.forward(planes.data(), channels, height, width);
    ASSERT_EQ(out.classes, expected.size[1]);
    ASSERT_EQ(out.steps, expected.size[3]);
    const float* want = expected.ptr<float>();
    double worst = 0, largest = 0;
    for (int i = 0; i < out.classes * out.steps; ++i) {
      worst = std::max(worst, double(std::abs(out.logits[i] - want[i])));
      largest = std::max(largest, double(std::abs(want[i])));
    }
    EXPECT_GT(largest, 1.0) << "logits of a real image are not all near zero";
    EXPECT_LT(worst, tolerance) << image << " at " << width << " columns, call " << call;
    for (int t = 0; t < out.steps; ++t) {
      int best = 0, got = 0, second = -1;
      for (int c = 1; c < out.classes; ++c) {
        if (want[c * out.steps + t] > want[best * out.steps + t]) best = c;
        if (out.logits[c * out.steps + t] > out.logits[got * out.steps + t]) got = c;
      }
      for (int c = 0; c < out.classes; ++c) {
        if (c != best && (second < 0 || want[c * out.steps + t] > want[second * out.steps + t])) second = c;
      }
      if (want[best * out.steps + t] - want[second * out.steps + t] > 2 * tolerance) {
        EXPECT_EQ(got, best) << image << " step " << t;
      }
    }
  }
}

TEST(ConvNet, RunsTheStripRecogniserAsOpenCvsDnnDid) {
  const std::string keras = testing::data_path(
      "keras-captcha/" + load_labelled_set(testing::data_path("keras-captcha")).items.front().first);
  for (NetPrecision precision : {NetPrecision::kFloat32, NetPrecision::kFastest}) {
    expect_same_logits(default_recognizer_path(), testing::kSeedStrip, 1, 32, 128, precision);
    expect_same_logits(default_recognizer_path(), keras, 1, 32, 128, precision);
  }
}

// The line reader takes any width: each width is a plan of its own, and one net keeps several.
TEST(ConvNet, RunsTheLineReaderAsOpenCvsDnnDidAtEveryWidth) {
  const LabelledSet set = load_labelled_set(testing::data_path("printed-labels"));
  const std::string image = set.dir + "/" + set.items.front().first;
  for (int width : {32, 160, 416}) {
    expect_same_logits(default_line_reader_path(), image, 3, 32, width);
    expect_same_logits(default_line_reader_path(), image, 3, 32, width, NetPrecision::kFastest);
  }

  ConvNet net(default_line_reader_path());
  const std::vector<float> narrow = planes_of(image, 3, 32, 64), wide = planes_of(image, 3, 32, 256);
  const ConvNetOutput first = net.forward(narrow.data(), 3, 32, 64);
  const std::vector<float> kept(first.logits, first.logits + first.classes * first.steps);
  net.forward(wide.data(), 3, 32, 256);
  const ConvNetOutput again = net.forward(narrow.data(), 3, 32, 64);
  EXPECT_EQ(std::vector<float>(again.logits, again.logits + again.classes * again.steps), kept);
}

TEST(ConvNet, AnUnsupportedOperatorOrABrokenFileIsAConfigErrorNamingTheFile) {
  onnx::ModelProto model;
  std::ifstream in(default_recognizer_path(), std::ios::binary);
  ASSERT_TRUE(model.ParseFromIstream(&in));
  for (auto& node : *model.mutable_graph()->mutable_node()) {
    if (node.op_type() == "Relu") {
      node.set_op_type("Sigmoid");
      break;
    }
  }
  testing::ScratchDir dir;
  const std::string sigmoid = dir.write("sigmoid.onnx", model.SerializeAsString());
  try {
    ConvNet net(sigmoid);
    ADD_FAILURE() << "a Sigmoid was taken for a supported operator";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(sigmoid), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Sigmoid"), std::string::npos) << e.what();
  }
  // Weights one value short would have had oneDNN read past their end.
  onnx::ModelProto short_weights;
  std::ifstream again(default_recognizer_path(), std::ios::binary);
  ASSERT_TRUE(short_weights.ParseFromIstream(&again));
  onnx::TensorProto& first = *short_weights.mutable_graph()->mutable_initializer(0);
  ASSERT_GT(first.raw_data().size(), sizeof(float));
  first.mutable_raw_data()->resize(first.raw_data().size() - sizeof(float));
  const std::string short_path = dir.write("short.onnx", short_weights.SerializeAsString());
  EXPECT_THROW(ConvNet{short_path}, ConfigError);

  std::vector<std::uint8_t> bytes = testing::read_bytes(default_recognizer_path());
  bytes.resize(5000);
  const std::string truncated = dir.write("truncated.onnx", bytes);
  EXPECT_THROW(ConvNet{truncated}, ConfigError);
  EXPECT_THROW(ConvNet{dir.file("missing.onnx")}, ConfigError);
}

// Engines of a batch share one parse of each network; each ConvNet keeps its own plans, and a
// file written anew is read anew.
TEST(ConvNet, NetworksOfOneFileShareTheirParseButNotTheirPlansAndAFileWrittenAnewIsReadAnew) {
  testing::ScratchDir dir;
  const std::string path = dir.write("recognizer.onnx", testing::read_bytes(default_recognizer_path()));
  const std::string image = testing::data_path("seed/zguvu.png");
  const std::vector<float> narrow = planes_of(image, 1, 32, 128), wide = planes_of(image, 1, 32, 160);
  auto logits = [](ConvNet& net, const std::vector<float>& planes, int width) {
    const ConvNetOutput out = net.forward(planes.data(), 1, 32, width);
    return std::vector<float>(out.logits, out.logits + out.classes * out.steps);
  };
  ConvNet alone(path);
  const std::vector<float> narrow_alone = logits(alone, narrow, 128), wide_alone = logits(alone, wide, 160);
  ConvNet first(path), second(path);
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(logits(first, narrow, 128), narrow_alone);
    EXPECT_EQ(logits(second, wide, 160), wide_alone);
    EXPECT_EQ(logits(second, narrow, 128), narrow_alone);
    EXPECT_EQ(logits(first, wide, 160), wide_alone);
  }

  onnx::ModelProto model;
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(model.ParseFromIstream(&in));
  for (auto& node : *model.mutable_graph()->mutable_node()) {
    if (node.op_type() == "Relu") node.set_op_type("Sigmoid");
  }
  dir.write("recognizer.onnx", model.SerializeAsString());
  EXPECT_THROW(ConvNet{path}, ConfigError);
  EXPECT_EQ(logits(first, narrow, 128), narrow_alone);  // the networks made before keep theirs
}

}  // namespace
}  // namespace crossocr
