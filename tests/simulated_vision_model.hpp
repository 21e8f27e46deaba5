// SimulatedVisionModel: a stand-in for a vision LLM that reads labelled images with the errors
// published evaluations of such models report, at a chosen accuracy, deterministic per image.
// For tests and for `crossocr eval` against a loopback server (simulated_vision_model_main.cpp);
// the error model is described in the README ("A simulated vision model").
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace crossocr::testing {

class SimulatedVisionModel {
 public:
  // `sets`: labelled set folders (labels.tsv); their images are recognised by their bytes.
  // `accuracy`: the share of images answered exactly right.
  SimulatedVisionModel(const std::vector<std::string>& sets, double accuracy, std::uint64_t seed);

  // The chat-completions response body (Groq's shape) for a request body with one image.
  std::string respond(const std::string& request_body) const;

  // What the model answers for an image with this label (the answer's content).
  std::string answer_for(const std::string& image_digest, const std::string& label) const;

  std::size_t known_images() const { return labels_.size(); }

 private:
  std::map<std::string, std::string> labels_;  // sha256 of the image file -> its label
  double accuracy_;
  std::uint64_t seed_;
};

}  // namespace crossocr::testing
