// ConvNet: runs an all-convolutional network exported to ONNX (Conv, Relu, MaxPool, Add: what the
// strip recogniser and the line reader are made of) on oneDNN, which compiles each layer for the
// CPU it runs on. On one core of this project's machine OpenCV 4.6's dnn read a strip in 4.2 ms,
// this in 2.1 in float32 and 1.1 in bfloat16 (models/README.md has the figures, and what bfloat16
// changes in the readings: next to nothing). Not thread-safe: one per thread.
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

enum class NetPrecision {
  kFloat32,
  // bfloat16 activations and weights where the CPU computes them natively (AVX512-BF16, AMX),
  // float32 elsewhere; sums and biases stay float32 either way.
  kFastest,
};

class ConvNet {
 public:
  // Throws ConfigError naming the file when it cannot be read or holds an operator, an attribute or
  // a connection this runner does not support.
  explicit ConvNet(const std::string& onnx_path, NetPrecision precision = NetPrecision::kFastest);
  ~ConvNet();
  ConvNet(ConvNet&&) noexcept;
  ConvNet& operator=(ConvNet&&) noexcept;

  // `planes`: one image as channels x height x width floats (NCHW with N = 1). The output stays
  // valid until the next call. Each input shape gets its own compiled plan, kept for later calls
  // of that shape (the line reader pads widths to a few buckets for this).
  ConvNetOutput forward(const float* planes, int channels, int height, int width);

  // Whether activations and weights are bfloat16 on this CPU.
  bool bfloat16() const;

 private:
  struct Graph;  // the parsed network, shared by every ConvNet of the same file and precision
  struct WeightLayouts;
  struct Plan;
  static std::shared_ptr<const Graph> shared_graph(const std::string& onnx_path, bool bfloat16);
  static std::unique_ptr<Graph> parse(const std::string& onnx_path, bool bfloat16);
  std::unique_ptr<Plan> compile(int channels, int height, int width);
  std::shared_ptr<const Graph> graph_;
  std::unique_ptr<WeightLayouts> layouts_;
  std::map<std::vector<int>, std::unique_ptr<Plan>> plans_;
};

}  // namespace crossocr
