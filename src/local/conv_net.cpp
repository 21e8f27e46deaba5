#include "local/conv_net.hpp"

#include "crossocr/errors.hpp"

#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace crossocr {
namespace {

using dnnl::memory;
using Dims = memory::dims;

enum class Op { kConv, kRelu, kMaxPool, kAdd };

// One layer of the graph, in the file's (topological) order.
struct Node {
  Op op = Op::kConv;
  std::vector<std::string> inputs;  // activations only; a Conv's weights and bias are below
  std::string output;
  Dims kernel{1, 1}, strides{1, 1}, dilations{1, 1}, pad_begin{0, 0}, pad_end{0, 0};
  // Conv only: weights as out x in x kh x kw, bias per output channel, a Relu folded in.
  std::vector<float> weights, bias;
  Dims weight_dims;
  bool relu = false;
};

[[noreturn]] void unsupported(const std::string& path, const std::string& what) {
  throw ConfigError("cannot run the network " + path + ": " + what);
}

std::vector<float> floats_of(const onnx::TensorProto& t, const std::string& path) {
  if (t.data_type() != onnx::TensorProto::FLOAT) unsupported(path, "tensor " + t.name() + " is not float32");
  if (!t.raw_data().empty()) {
    std::vector<float> out(t.raw_data().size() / sizeof(float));
    std::memcpy(out.data(), t.raw_data().data(), out.size() * sizeof(float));  // ONNX stores little-endian
    return out;
  }
  return {t.float_data().begin(), t.float_data().end()};
}

// Whether the CPU has bfloat16 arithmetic (oneDNN's ISA masks nest: AMX includes AVX512-BF16).
// ONEDNN_MAX_CPU_ISA, oneDNN's own setting, lowers what it reports, e.g. to AVX512_CORE.
bool native_bfloat16() {
  const auto bf16 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core_bf16);
  return (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & bf16) == bf16;
}

// A 2-D attribute (kernel_shape, strides, dilations; pads as begin-begin-end-end).
Dims ints_of(const onnx::AttributeProto& a) { return {a.ints().begin(), a.ints().end()}; }

}  // namespace

struct ConvNet::Graph {
  std::string path;
  memory::data_type values = memory::data_type::f32;  // activations' and weights' type
  std::string input, output;
  std::vector<Node> nodes;
};

// Each Conv's weights in the layouts its kernels compiled so far asked for: plans for other
// widths mostly ask for the same one, and the line reader's weights are 2.6 MB.
struct ConvNet::WeightLayouts {
  std::vector<std::vector<memory>> of_node;
};

// The network compiled for one input shape: its primitives in order with their arguments.
struct ConvNet::Plan {
  struct Step {
    dnnl::primitive primitive;
    std::unordered_map<int, memory> args;
  };
  memory input, output;
  std::vector<Step> steps;
  dnnl::stream stream;
  int classes = 0, time_steps = 0;
};

ConvNet::ConvNet(const std::string& onnx_path, NetPrecision precision)
    : graph_(shared_graph(onnx_path, precision == NetPrecision::kFastest && native_bfloat16())),
      layouts_(std::make_unique<WeightLayouts>()) {
  layouts_->of_node.resize(graph_->nodes.size());
}

// Every engine of a batch loads the same networks: they are parsed once while any ConvNet uses
// them (a second engine's start-up was a fifth parsing ONNX and copying weights). The file's
// size and time stamp are part of the key, so a network written anew is read anew.
std::shared_ptr<const ConvNet::Graph> ConvNet::shared_graph(const std::string& onnx_path, bool bfloat16) {
  std::error_code error;
  const auto size = std::filesystem::file_size(onnx_path, error);
  const auto stamp = std::filesystem::last_write_time(onnx_path, error).time_since_epoch().count();
  const std::string key = onnx_path + '\n' + (bfloat16 ? "bf16" : "f32") + '\n' + std::to_string(size) + '\n' +
                          std::to_string(stamp);
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const Graph>> parsed;
  std::lock_guard lock(mutex);
  if (auto graph = parsed[key].lock()) return graph;
  std::shared_ptr<const Graph> graph = parse(onnx_path, bfloat16);
  parsed[key] = graph;
  return graph;
}

std::unique_ptr<ConvNet::Graph> ConvNet::parse(const std::string& onnx_path, bool bfloat16) {
  auto parsed = std::make_unique<Graph>();
  if (bfloat16) parsed->values = memory::data_type::bf16;
  onnx::ModelProto model;
  std::ifstream in(onnx_path, std::ios::binary);
  if (!in || !model.ParseFromIstream(&in)) unsupported(onnx_path, "not a readable ONNX file");
  const onnx::GraphProto& g = model.graph();
  Graph& graph = *parsed;
  graph.path = onnx_path;
  std::map<std::string, const onnx::TensorProto*> initializers;
  for (const auto& t : g.initializer()) initializers[t.name()] = &t;
  // Older exporters list the weights among the inputs too.
  for (const auto& value : g.input()) {
    if (initializers.count(value.name())) continue;
    if (!graph.input.empty()) unsupported(onnx_path, "more than one input");
    graph.input = value.name();
  }
  if (graph.input.empty() || g.output_size() != 1) unsupported(onnx_path, "not one input and one output");
  graph.output = g.output(0).name();

  for (const onnx::NodeProto& n : g.node()) {
    Node node;
    if (n.output_size() != 1) unsupported(onnx_path, n.op_type() + " with several outputs");
    if (n.input_size() < (n.op_type() == "Add" ? 2 : 1)) unsupported(onnx_path, n.op_type() + " without its inputs");
    node.output = n.output(0);
    if (n.op_type() == "Conv") {
      node.op = Op::kConv;
      if (n.input_size() < 2 || !initializers.count(n.input(1))) unsupported(onnx_path, "a Conv without weights");
      node.inputs = {n.input(0)};
      const onnx::TensorProto& w = *initializers.at(n.input(1));
      node.weights = floats_of(w, onnx_path);
      node.weight_dims.assign(w.dims().begin(), w.dims().end());
      if (node.weight_dims.size() != 4) unsupported(onnx_path, "a Conv that is not 2-D");
      if (n.input_size() > 2) {
        if (!initializers.count(n.input(2))) unsupported(onnx_path, "a Conv whose bias is not a constant");
        node.bias = floats_of(*initializers.at(n.input(2)), onnx_path);
      } else {
        node.bias.assign(node.weight_dims[0], 0.0f);
      }
      node.kernel = {node.weight_dims[2], node.weight_dims[3]};
    } else if (n.op_type() == "Relu") {
      node.op = Op::kRelu;
      node.inputs = {n.input(0)};
    } else if (n.op_type() == "MaxPool") {
      node.op = Op::kMaxPool;
      node.inputs = {n.input(0)};
    } else if (n.op_type() == "Add") {
      node.op = Op::kAdd;
      node.inputs = {n.input(0), n.input(1)};
      for (const auto& name : node.inputs) {
        if (initializers.count(name)) unsupported(onnx_path, "an Add of a constant");
      }
    } else {
      unsupported(onnx_path, "operator " + n.op_type() + " is not supported");
    }
    for (const onnx::AttributeProto& a : n.attribute()) {
      const std::string& name = a.name();
      if (name == "kernel_shape") {
        node.kernel = ints_of(a);
      } else if (name == "strides") {
        node.strides = ints_of(a);
      } else if (name == "dilations") {
        node.dilations = ints_of(a);
      } else if (name == "pads") {
        const Dims pads = ints_of(a);
        if (pads.size() != 4) unsupported(onnx_path, "pads that are not 2-D");
        node.pad_begin = {pads[0], pads[1]};
        node.pad_end = {pads[2], pads[3]};
      } else if (name == "group" && a.i() != 1) {
        unsupported(onnx_path, "a grouped Conv");
      } else if (name == "ceil_mode" && a.i() != 0) {
        unsupported(onnx_path, "MaxPool with ceil_mode");
      } else if (name == "auto_pad" && a.s() != "NOTSET") {
        unsupported(onnx_path, "auto_pad");
      }
    }
    if (node.kernel.size() != 2 || node.strides.size() != 2 || node.dilations.size() != 2) {
      unsupported(onnx_path, "a layer that is not 2-D");
    }
    if (node.op == Op::kConv) {
      const Dims& w = node.weight_dims;
      if (static_cast<memory::dim>(node.weights.size()) != w[0] * w[1] * w[2] * w[3] ||
          static_cast<memory::dim>(node.bias.size()) != w[0] || node.kernel != Dims{w[2], w[3]}) {
        unsupported(onnx_path, "a Conv whose weights, bias and kernel do not agree in size");
      }
    }
    graph.nodes.push_back(std::move(node));
  }

  // A Relu right after the Conv that alone feeds it runs inside that Conv.
  std::map<std::string, int> uses;
  for (const Node& node : graph.nodes) {
    for (const auto& name : node.inputs) ++uses[name];
  }
  std::vector<Node> fused;
  for (Node& node : graph.nodes) {
    if (node.op == Op::kRelu && !fused.empty() && fused.back().op == Op::kConv && !fused.back().relu &&
        fused.back().output == node.inputs[0] && uses[node.inputs[0]] == 1 && node.inputs[0] != graph.output) {
      fused.back().relu = true;
      fused.back().output = node.output;
    } else {
      fused.push_back(std::move(node));
    }
  }
  graph.nodes = std::move(fused);
  return parsed;
}

ConvNet::~ConvNet() = default;
bool ConvNet::bfloat16() const { return graph_->values == memory::data_type::bf16; }
ConvNet::ConvNet(ConvNet&&) noexcept = default;
ConvNet& ConvNet::operator=(ConvNet&&) noexcept = default;

namespace {

// One engine for the process; oneDNN caches compiled kernels process-wide, so every thread's
// plans reuse them.
dnnl::engine& cpu() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// For the life of a call, OpenMP regions started from this thread run on it alone.
class OneThread {
 public:
  OneThread() : before_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~OneThread() { omp_set_num_threads(before_); }
  OneThread(const OneThread&) = delete;
  OneThread& operator=(const OneThread&) = delete;

 private:
  int before_;
};

Dims output_dims(const Node& n, const Dims& in, memory::dim channels) {
  Dims out{1, channels, 0, 0};
  for (int i = 0; i < 2; ++i) {
    const memory::dim reach = (n.kernel[i] - 1) * n.dilations[i] + 1;
    out[2 + i] = (in[2 + i] + n.pad_begin[i] + n.pad_end[i] - reach) / n.strides[i] + 1;
  }
  return out;
}

}  // namespace

std::unique_ptr<ConvNet::Plan> ConvNet::compile(int channels, int height, int width) {
  const Graph& g = *graph_;
  auto plan = std::make_unique<Plan>();
  dnnl::engine& engine = cpu();
  plan->stream = dnnl::stream(engine);
  dnnl::stream& stream = plan->stream;
  const auto f32 = memory::data_type::f32;
  const auto act = g.values;
  const auto any = memory::format_tag::any;
  std::map<std::string, memory> tensors;
  plan->input = memory({{1, channels, height, width}, f32, memory::format_tag::nchw}, engine);
  tensors[g.input] = plan->input;

  // `value` laid out as `desc` wants it: itself, or a copy made by a reorder step.
  auto as = [&](const memory& value, const memory::desc& desc) {
    if (value.get_desc() == desc) return value;
    memory copy(desc, engine);
    plan->steps.push_back({dnnl::reorder(value, copy), {{DNNL_ARG_FROM, value}, {DNNL_ARG_TO, copy}}});
    return copy;
  };
  auto input_of = [&](const std::string& name) {
    auto it = tensors.find(name);
    if (it == tensors.end()) unsupported(g.path, "value " + name + " is used before it is made");
    return it->second;
  };

  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    const memory src = input_of(n.inputs[0]);
    const Dims in = src.get_desc().dims();
    memory dst;
    if (n.op == Op::kConv) {
      if (in[1] != n.weight_dims[1]) unsupported(g.path, "a Conv whose input has other channels");
      const Dims out = output_dims(n, in, n.weight_dims[0]);
      if (out[2] < 1 || out[3] < 1) {
        throw std::invalid_argument("an input of " + std::to_string(height) + "x" + std::to_string(width) +
                                    " is too small for the network " + g.path);
      }
      const Dims dilates{n.dilations[0] - 1, n.dilations[1] - 1};  // oneDNN counts the gaps
      dnnl::convolution_forward::desc desc(
          dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, {in, act, any},
          {n.weight_dims, act, any}, {{n.weight_dims[0]}, f32, memory::format_tag::x}, {out, act, any},
          n.strides, dilates, n.pad_begin, n.pad_end);
      dnnl::primitive_attr attr;
      if (n.relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
        attr.set_post_ops(ops);
      }
      const dnnl::convolution_forward::primitive_desc pd(desc, attr, engine);
      std::vector<memory>& laid_out = layouts_->of_node[i];
      auto same = std::find_if(laid_out.begin(), laid_out.end(),
                               [&](const memory& w) { return w.get_desc() == pd.weights_desc(); });
      if (same == laid_out.end()) {
        memory file_weights({n.weight_dims, f32, memory::format_tag::oihw}, engine,
                            const_cast<float*>(n.weights.data()));
        memory weights(pd.weights_desc(), engine);
        dnnl::reorder(file_weights, weights).execute(stream, file_weights, weights);
        same = laid_out.insert(laid_out.end(), weights);
      }
      const memory weights = *same;
      memory bias({{n.weight_dims[0]}, f32, memory::format_tag::x}, engine, const_cast<float*>(n.bias.data()));
      const memory conv_src = as(src, pd.src_desc());
      dst = memory(pd.dst_desc(), engine);
      plan->steps.push_back({dnnl::convolution_forward(pd),
                             {{DNNL_ARG_SRC, conv_src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, bias},
                              {DNNL_ARG_DST, dst}}});
    } else if (n.op == Op::kMaxPool) {
      const Dims out = output_dims(n, in, in[1]);
      dnnl::pooling_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_max,
                                       src.get_desc(), {out, act, any}, n.strides, n.kernel, n.pad_begin,
                                       n.pad_end);
      const dnnl::pooling_forward::primitive_desc pd(desc, engine);
      dst = memory(pd.dst_desc(), engine);
      plan->steps.push_back({dnnl::pooling_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}}});
    } else if (n.op == Op::kRelu) {
      dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_relu,
                                       src.get_desc(), 0.0f, 0.0f);
      const dnnl::eltwise_forward::primitive_desc pd(desc, engine);
      dst = memory(pd.dst_desc(), engine);
      plan->steps.push_back({dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}}});
    } else {  // kAdd
      const memory other = input_of(n.inputs[1]);
      if (other.get_desc().dims() != in) unsupported(g.path, "an Add of differently shaped values");
      const memory addend = as(other, src.get_desc());
      dnnl::binary::desc desc(dnnl::algorithm::binary_add, src.get_desc(), src.get_desc(), src.get_desc());
      const dnnl::binary::primitive_desc pd(desc, engine);
      dst = memory(pd.dst_desc(), engine);
      plan->steps.push_back(
          {dnnl::binary(pd), {{DNNL_ARG_SRC_0, src}, {DNNL_ARG_SRC_1, addend}, {DNNL_ARG_DST, dst}}});
    }
    tensors[n.output] = dst;
  }
  stream.wait();

  const memory logits = input_of(g.output);
  const Dims out = logits.get_desc().dims();
  if (out.size() != 4 || out[2] != 1) unsupported(g.path, "an output that is not classes x 1 x steps");
  plan->output = as(logits, {out, f32, memory::format_tag::nchw});
  plan->classes = static_cast<int>(out[1]);
  plan->time_steps = static_cast<int>(out[3]);
  return plan;
}

ConvNetOutput ConvNet::forward(const float* planes, int channels, int height, int width) {
  // One thread per call, compiling a plan included: the engine runs one reader per worker thread,
  // which already fills the cores. (oneDNN is built on OpenMP here, which would otherwise start a
  // team for each call, whose threads then spin waiting for the next.)
  const OneThread one_thread;
  const std::vector<int> shape{channels, height, width};
  auto found = plans_.find(shape);
  if (found == plans_.end()) found = plans_.emplace(shape, compile(channels, height, width)).first;
  Plan& plan = *found->second;
  std::memcpy(plan.input.get_data_handle(), planes, sizeof(float) * channels * height * width);
  for (Plan::Step& step : plan.steps) step.primitive.execute(plan.stream, step.args);
  plan.stream.wait();
  return {static_cast<const float*>(plan.output.get_data_handle()), plan.classes, plan.time_steps};
}

}  // namespace crossocr
