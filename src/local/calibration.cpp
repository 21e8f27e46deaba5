#include "local/calibration.hpp"

#include "crossocr/alignment.hpp"
#include "crossocr/errors.hpp"
#include "local/model_path.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>

namespace crossocr {
namespace {

constexpr int kVersion = 5;
constexpr std::size_t kBlock = 20;               // features per reader kind
constexpr std::size_t kFeatures = 3 * kBlock;    // line, strip, Tesseract

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The strip recogniser's own ground: 4-7 letters and digits (what it was trained on).
bool strip_shaped(const std::string& text) {
  return text.size() >= 4 && text.size() <= 7 &&
         std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isalnum(c); });
}

double weakest(const Reading& r) {
  double w = r.glyphs.empty() ? 0.0 : 1.0;
  for (const Glyph& g : r.glyphs) w = std::min(w, g.confidence);
  return w;
}

bool has_punctuation(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](unsigned char ch) { return !std::isalnum(ch); });
}

std::string without_spaces(std::string s) {
  std::erase(s, ' ');
  return s;
}

double spaces(const std::string& s) { return static_cast<double>(std::count(s.begin(), s.end(), ' ')); }

double clamp_log(double x) { return std::clamp(x, -20.0, 0.0) / 10.0; }

// A second-stage map stored under `key`, if any: two increasing lists of probabilities of one
// length.
template <typename Map>
Map read_map_as(const nlohmann::json& j, const char* key) {
  Map map;
  if (!j.contains(key)) return map;
  map.from = j.at(key).at("from").get<std::vector<double>>();
  map.to = j.at(key).at("to").get<std::vector<double>>();
  const auto in_unit = [](double x) { return std::isfinite(x) && x >= 0.0 && x <= 1.0; };
  if (map.from.size() != map.to.size() || !std::is_sorted(map.from.begin(), map.from.end()) ||
      !std::is_sorted(map.to.begin(), map.to.end()) || !std::all_of(map.from.begin(), map.from.end(), in_unit) ||
      !std::all_of(map.to.begin(), map.to.end(), in_unit)) {
    throw ConfigError(std::string(key) + " is not two increasing lists of probabilities of one length");
  }
  return map;
}

}  // namespace

// A candidate's features form one block per reader kind (line, strip, Tesseract), the other two
// blocks zero, so that each reader's evidence gets its own weights. A block, in order (scaled to
// about unit range so that one penalty suits all):
//  0 1 (the reader's own base rate);
//  1 how sure the reader is of this text: networks, the path log-probability; Tesseract, the log
//    of its weakest glyph's confidence;
//  2 the log of the weakest glyph's confidence;
//  3 Tesseract: how many more of its variants read this text;
//  4 how many other readers read exactly this text; 5 how many read it but for case;
//  6 Tesseract was asked; 7 the text is empty; 8 log(1 + length) / 3;
//  9 the text holds spaces or punctuation; 10 the line reader's path log-probability of its own
//    reading (how sure the general reader is of the line); 11 the line reader's reading holds
//    spaces or punctuation (the line is not a code); 12 how sure the strip recogniser is of a
//    different code; 13 the text is code-shaped (4-7 letters and digits); 14 the text is made of
//    dictionary words; 15 how many other readers read it but for spaces; 16 how many more spaces
//    it has than such a reading; 17 the least edit distance to another reader's text, over its
//    length (how far the readers are apart); 18 the log of the mean glyph confidence; 19 feature 1
//    times feature 10 (a network sure of a code the line reader cannot make out is a CAPTCHA
//    specialist at work; one the line reader is sure of otherwise is likely wrong).
std::vector<double> candidate_features(const LineEvidence& evidence, std::size_t i) {
  const Candidate& c = evidence.candidates[i];
  const std::string& text = c.reading.text;
  std::vector<double> f(kFeatures, 0.0);
  double* b = f.data() + kBlock * static_cast<std::size_t>(c.reader);
  const bool network = c.reader != ReaderKind::kTesseract;
  const double weakest_log = clamp_log(std::log(std::max(weakest(c.reading), 1e-9)));
  b[0] = 1.0;
  b[1] = network ? clamp_log(c.path_log_probability) : weakest_log;
  b[2] = weakest_log;
  if (!network) b[3] = std::min(c.votes - 1, 2);
  for (std::size_t j = 0; j < evidence.candidates.size(); ++j) {
    const Candidate& o = evidence.candidates[j];
    if (o.reader == ReaderKind::kLine) {
      b[10] = clamp_log(o.path_log_probability);
      b[11] = has_punctuation(o.reading.text);
    }
    if (j == i || o.reader == c.reader) continue;
    if (o.reading.text == text) {
      b[4] += 1;
    } else if (lower(o.reading.text) == lower(text)) {
      b[5] += 1;
    }
    if (o.reader == ReaderKind::kStrip && strip_shaped(o.reading.text) && o.reading.text != text) {
      b[12] = std::exp(o.path_log_probability);
    }
  }
  b[4] = std::min(b[4], 2.0);
  b[6] = evidence.tesseract_ran;
  b[7] = text.empty();
  b[8] = std::log1p(static_cast<double>(text.size())) / 3.0;
  b[9] = has_punctuation(text);
  b[13] = strip_shaped(text);
  b[14] = c.word;
  double nearest = 1.0;
  const std::string bare = without_spaces(text);
  for (std::size_t j = 0; j < evidence.candidates.size(); ++j) {
    const Candidate& o = evidence.candidates[j];
    if (j == i || o.reader == c.reader) continue;
    const std::string& other = o.reading.text;
    if (other != text && without_spaces(other) == bare) {
      b[15] += 1;
      b[16] = std::clamp(spaces(text) - spaces(other), -2.0, 2.0);
    }
    nearest = std::min(nearest, static_cast<double>(edit_distance(text, other)) /
                                    std::max<std::size_t>({1, text.size(), other.size()}));
  }
  b[17] = nearest;
  double mean = 0.0;
  for (const Glyph& g : c.reading.glyphs) mean += g.confidence;
  b[18] = c.reading.glyphs.empty() ? -1.0 : clamp_log(std::log(std::max(mean / c.reading.glyphs.size(), 1e-9)));
  b[19] = b[1] * b[10];
  return f;
}

Calibration::Calibration() : weights_(kFeatures, 0.0) {
  // Uncalibrated: a reading agreed on by another reader is likely right, a lone one a coin toss.
  for (std::size_t k = 0; k < 3; ++k) {
    weights_[k * kBlock + 1] = 3.0;
    weights_[k * kBlock + 4] = 3.0;
    weights_[k * kBlock + 7] = -4.0;
  }
}

Calibration Calibration::load(const std::string& path) {
  Calibration c;
  if (path.empty() || !std::filesystem::exists(path)) return c;
  try {
    std::ifstream in(path);
    const nlohmann::json j = nlohmann::json::parse(in);
    if (j.at("version").get<int>() != kVersion) throw ConfigError("version differs");
    c.weights_ = j.at("weights").get<std::vector<double>>();
    if (c.weights_.size() != kFeatures) throw ConfigError("wrong number of weights");
    if (!std::all_of(c.weights_.begin(), c.weights_.end(), [](double w) { return std::isfinite(w); })) {
      throw ConfigError("weights not finite");
    }
    c.reading_map_ = read_map_as<IsotonicMap>(j, "reading_map");
    c.lines_map_ = read_map_as<IsotonicMap>(j, "lines_map");
  } catch (const std::exception& e) {
    throw ConfigError("the local calibration " + path + " is unusable: " + e.what());
  }
  c.fitted_ = true;
  return c;
}

Calibration Calibration::fit(const std::vector<std::vector<double>>& rows, const std::vector<bool>& right,
                             double l2) {
  Calibration c;
  c.weights_.assign(kFeatures, 0.0);
  const int n = static_cast<int>(rows.size()), k = static_cast<int>(kFeatures);
  for (int iteration = 0; iteration < 50 && n > 0; ++iteration) {
    cv::Mat hessian = cv::Mat::zeros(k, k, CV_64F), gradient = cv::Mat::zeros(k, 1, CV_64F);
    for (int r = 0; r < n; ++r) {
      const double p = c.probability(rows[r]);
      const double residual = p - (right[r] ? 1.0 : 0.0), w = std::max(p * (1 - p), 1e-9);
      for (int a = 0; a < k; ++a) {
        gradient.at<double>(a) += residual * rows[r][a];
        for (int b = 0; b < k; ++b) hessian.at<double>(a, b) += w * rows[r][a] * rows[r][b];
      }
    }
    for (int a = 0; a < k; ++a) {
      gradient.at<double>(a) += l2 * n * c.weights_[a];
      hessian.at<double>(a, a) += l2 * n;
    }
    cv::Mat step;
    cv::solve(hessian, gradient, step, cv::DECOMP_SVD);
    double largest = 0.0;
    for (int a = 0; a < k; ++a) {
      c.weights_[a] -= step.at<double>(a);
      largest = std::max(largest, std::abs(step.at<double>(a)));
    }
    if (largest < 1e-7) break;
  }
  c.fitted_ = true;
  return c;
}

void Calibration::save(const std::string& path, const std::string& origin) const {
  nlohmann::json j;
  j["version"] = kVersion;
  j["weights"] = weights_;
  j["origin"] = origin;
  if (!reading_map_.from.empty()) j["reading_map"] = {{"from", reading_map_.from}, {"to", reading_map_.to}};
  if (!lines_map_.from.empty()) j["lines_map"] = {{"from", lines_map_.from}, {"to", lines_map_.to}};
  std::ofstream out(path);
  out << j.dump(1) << "\n";
  if (!out) throw ConfigError("cannot write the calibration to " + path);
}

double Calibration::probability(const std::vector<double>& features) const {
  double z = 0.0;
  for (std::size_t a = 0; a < weights_.size() && a < features.size(); ++a) z += weights_[a] * features[a];
  return 1.0 / (1.0 + std::exp(-z));
}

double Calibration::IsotonicMap::operator()(double p) const {
  if (from.empty()) return p;
  if (p <= from.front()) return to.front();
  if (p >= from.back()) return to.back();
  const std::size_t hi = static_cast<std::size_t>(std::upper_bound(from.begin(), from.end(), p) - from.begin());
  const std::size_t lo = hi - 1;
  const double span = from[hi] - from[lo];
  const double t = span > 0 ? (p - from[lo]) / span : 1.0;
  return to[lo] + t * (to[hi] - to[lo]);
}

Calibration::IsotonicMap Calibration::IsotonicMap::fit(const std::vector<double>& probabilities,
                                                       const std::vector<bool>& right, double labels_right) {
  std::vector<std::size_t> order(probabilities.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return probabilities[a] < probabilities[b]; });
  struct Block {
    double from_sum = 0, right_sum = 0;
    int count = 0;
    double rate() const { return right_sum / count; }
  };
  std::vector<Block> blocks;
  for (std::size_t k = 0; k < order.size();) {
    // Readings claiming the same probability form one block from the start.
    Block same;
    const double p = probabilities[order[k]];
    for (; k < order.size() && probabilities[order[k]] == p; ++k) {
      same.from_sum += p;
      same.right_sum += right[order[k]] ? 1.0 : 0.0;
      ++same.count;
    }
    blocks.push_back(same);
    // Merge backwards while the rate would fall: the fit must never say "surer, so less right".
    while (blocks.size() > 1 && blocks[blocks.size() - 2].rate() >= blocks.back().rate()) {
      const Block last = blocks.back();
      blocks.pop_back();
      blocks.back().from_sum += last.from_sum;
      blocks.back().right_sum += last.right_sum;
      blocks.back().count += last.count;
    }
  }
  IsotonicMap map;
  for (const Block& b : blocks) {
    map.from.push_back(b.from_sum / b.count);
    map.to.push_back(std::min(1.0, b.rate() / labels_right));
  }
  return map;
}

void Calibration::fit_reading_map(const std::vector<double>& probabilities, const std::vector<bool>& right,
                                  double labels_right) {
  reading_map_ = IsotonicMap::fit(probabilities, right, labels_right);
}

void Calibration::fit_lines_map(const std::vector<double>& products, const std::vector<bool>& right,
                                double labels_right) {
  lines_map_ = IsotonicMap::fit(products, right, labels_right);
}

std::string default_calibration_path() { return default_model_path("local_calibration.json"); }

}  // namespace crossocr
