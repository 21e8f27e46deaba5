#include "simulated_vision_model.hpp"

#include "crossocr/alignment.hpp"
#include "crossocr/evaluation.hpp"
#include "fake_provider.hpp"
#include "remote/digest.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace crossocr::testing {
namespace {

// Characters vision models confuse with one another (I/l/1, 0/O, 5/S, ...).
const std::map<char, char> kLookAlikes = {{'0', 'O'}, {'O', '0'}, {'o', '0'}, {'1', 'l'}, {'l', '1'},
                                          {'I', 'l'}, {'5', 'S'}, {'S', '5'}, {'8', 'B'}, {'B', '8'},
                                          {'2', 'Z'}, {'Z', '2'}, {'6', 'G'}, {'G', '6'}, {'g', '9'},
                                          {'9', 'g'}, {'u', 'v'}, {'v', 'u'}};

// Words a model "corrects" a non-word into.
const std::vector<std::string> kWords = {"THE", "CODE", "HELLO", "WORLD", "SECURE", "LOGIN", "TOKEN",
                                         "ZONE", "GUARD", "HUMAN", "VERIFY", "CAPTCHA", "PASS", "TEXT"};

// A number in [0, 1) drawn from the image, the seed and a purpose: the same every run.
double draw(const std::string& digest, std::uint64_t seed, const char* purpose) {
  const std::string h = remote::sha256_hex(digest + std::to_string(seed) + purpose);
  return static_cast<double>(std::stoull(h.substr(0, 12), nullptr, 16)) / static_cast<double>(1ull << 48);
}

std::size_t pick(double u, std::size_t n) { return std::min(n - 1, static_cast<std::size_t>(u * n)); }

std::string look_alike(std::string text, double u) {
  std::vector<std::size_t> places;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (kLookAlikes.count(text[i])) places.push_back(i);
  }
  if (places.empty()) return text;
  const std::size_t i = places[pick(u, places.size())];
  text[i] = kLookAlikes.at(text[i]);
  return text;
}

std::string other_case(std::string text, double u) {
  std::vector<std::size_t> letters;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (std::isalpha(static_cast<unsigned char>(text[i]))) letters.push_back(i);
  }
  if (letters.empty()) return text;
  const std::size_t i = letters[pick(u, letters.size())];
  const auto c = static_cast<unsigned char>(text[i]);
  text[i] = static_cast<char>(std::isupper(c) ? std::tolower(c) : std::toupper(c));
  return text;
}

}  // namespace

SimulatedVisionModel::SimulatedVisionModel(const std::vector<std::string>& sets, double accuracy,
                                           std::uint64_t seed)
    : accuracy_(accuracy), seed_(seed) {
  for (const std::string& dir : sets) {
    const LabelledSet set = load_labelled_set(dir);
    for (const auto& [file, label] : set.items) {
      std::ifstream in(std::filesystem::path(set.dir) / file, std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      if (!bytes.empty()) labels_[remote::sha256_hex(bytes)] = label;
    }
  }
}

std::string SimulatedVisionModel::answer_for(const std::string& digest, const std::string& label) const {
  if (draw(digest, seed_, "right") < accuracy_) return label;
  const double kind = draw(digest, seed_, "kind"), where = draw(digest, seed_, "where");
  std::string wrong;
  if (kind < 0.30) {
    wrong = look_alike(label, where);
  } else if (kind < 0.55) {
    wrong = other_case(label, where);
  } else if (kind < 0.70 && label.size() > 1) {
    wrong = label;
    wrong.erase(pick(where, label.size()), 1);
  } else if (kind < 0.80) {
    const std::size_t i = pick(where, label.size());
    wrong = label;
    wrong.insert(i, 1, label[i]);
  } else if (kind < 0.90) {
    wrong = kWords[pick(where, kWords.size())];
  } else {
    wrong = look_alike(label, where);
    if (wrong == label) wrong = other_case(label, where);
    return wrong.insert(0, "The text in the image is: ");  // chatter the client must strip
  }
  if (wrong == label) wrong = label.size() > 1 ? label.substr(1) : label + label;
  return wrong;
}

std::string SimulatedVisionModel::respond(const std::string& request_body) const {
  const auto request = nlohmann::json::parse(request_body, nullptr, false);
  std::string url;
  if (!request.is_discarded()) {
    for (const auto& message : request.value("messages", nlohmann::json::array())) {
      for (const auto& part : message.value("content", nlohmann::json::array())) {
        if (part.is_object() && part.value("type", "") == "image_url") url = part["image_url"].value("url", "");
      }
    }
  }
  const auto comma = url.find(',');
  const auto bytes = comma == std::string::npos ? std::nullopt : remote::base64_decode(url.substr(comma + 1));
  if (!bytes) return answer_body("I'm sorry, I can't see an image in this message.");
  const std::string digest = remote::sha256_hex(std::string(bytes->begin(), bytes->end()));
  const auto it = labels_.find(digest);
  if (it == labels_.end()) return answer_body("I'm sorry, I can't read the text in this image.");
  return answer_body(answer_for(digest, it->second));
}

}  // namespace crossocr::testing
