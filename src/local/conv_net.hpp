// ConvNet: runs an all-convolutional network exported to ONNX (Conv, Relu, MaxPool, Add: what the
// strip recogniser and the line reader are made of) on oneDNN, which compiles each layer for the
// CPU it runs on (AVX-512 where there is one). OpenCV 4.6's dnn ran the strip recogniser at 3.8 ms
// a strip on one core; this runs it at about 2.3 (measured in models/README.md). The readings are
// the same: the arithmetic is float32 throughout, only summed in another order.
// Not thread-safe: one per thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace crossocr {

// The network's output for one input: classes x steps, class-major (logits[c * steps + t]).
struct ConvNetOutput {
  const float* logits = nullptr;
  int classes = 0;
  int steps = 0;
};

class ConvNet {
 public:
  // Throws ConfigError naming the file when it cannot be read or holds an operator, an attribute or
  // a connection this runner does not support.
  explicit ConvNet(const std::string& onnx_path);
  ~ConvNet();
  ConvNet(ConvNet&&) noexcept;
  ConvNet& operator=(ConvNet&&) noexcept;

  // `planes`: one image as channels x height x width floats (NCHW with N = 1). The output stays
  // valid until the next call. Each input shape gets its own compiled plan, kept for later calls
  // of that shape (the line reader pads widths to a few buckets for this).
  ConvNetOutput forward(const float* planes, int channels, int height, int width);

 private:
  struct Graph;
  struct Plan;
  std::unique_ptr<Graph> graph_;
  std::map<std::vector<int>, std::unique_ptr<Plan>> plans_;
};

}  // namespace crossocr
