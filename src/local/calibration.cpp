#include "local/calibration.hpp"

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

constexpr int kVersion = 1;
constexpr std::size_t kFeatures = 16;

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

double clamp_log(double x) { return std::clamp(x, -20.0, 0.0) / 10.0; }

}  // namespace

// Features, in order (scaled to about unit range so one penalty suits all):
//  0 bias; 1-3 which reader read it (line, strip, Tesseract);
//  4 the line reader's path log-probability of this text (0 for others);
//  5 the strip recogniser's path log-probability, when the text is strip-shaped (else 0);
//  6 Tesseract: log of the weakest glyph's confidence; 7 Tesseract: how many more variants agreed;
//  8 other readers that read exactly this text; 9 others that read it but for case;
// 10 Tesseract ran; 11 the text is empty; 12 log(1 + length) / 3;
// 13 the line reader's path log-probability of its own reading (how sure the general reader is);
// 14 the text holds spaces or punctuation; 15 the strip recogniser's text is strip-shaped and
// this candidate is not it (it was sure of another code).
std::vector<double> candidate_features(const LineEvidence& evidence, std::size_t i) {
  const Candidate& c = evidence.candidates[i];
  const std::string& text = c.reading.text;
  std::vector<double> f(kFeatures, 0.0);
  f[0] = 1.0;
  f[1] = c.reader == ReaderKind::kLine;
  f[2] = c.reader == ReaderKind::kStrip;
  f[3] = c.reader == ReaderKind::kTesseract;
  if (c.reader == ReaderKind::kLine) f[4] = clamp_log(c.path_log_probability);
  if (c.reader == ReaderKind::kStrip && strip_shaped(text)) f[5] = clamp_log(c.path_log_probability);
  if (c.reader == ReaderKind::kTesseract) {
    f[6] = clamp_log(std::log(std::max(weakest(c.reading), 1e-9)));
    f[7] = std::min(c.votes - 1, 2);
  }
  for (std::size_t j = 0; j < evidence.candidates.size(); ++j) {
    const Candidate& o = evidence.candidates[j];
    if (j == i || o.reader == c.reader) continue;
    if (o.reading.text == text) {
      f[8] += 1;
    } else if (lower(o.reading.text) == lower(text)) {
      f[9] += 1;
    }
    if (o.reader == ReaderKind::kLine) f[13] = clamp_log(o.path_log_probability);
    if (o.reader == ReaderKind::kStrip && strip_shaped(o.reading.text) && o.reading.text != text) {
      f[15] = std::exp(o.path_log_probability);
    }
  }
  if (c.reader == ReaderKind::kLine) f[13] = clamp_log(c.path_log_probability);
  f[10] = evidence.tesseract_ran;
  f[11] = text.empty();
  f[12] = std::log1p(static_cast<double>(text.size())) / 3.0;
  f[14] = std::any_of(text.begin(), text.end(), [](unsigned char ch) { return !std::isalnum(ch); });
  return f;
}

Calibration::Calibration() : weights_(kFeatures, 0.0) {
  // Uncalibrated: a reading agreed on by another reader is likely right, a lone one a coin toss.
  weights_[0] = -0.5;
  weights_[4] = 3.0;
  weights_[8] = 3.0;
  weights_[11] = -4.0;
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
  std::ofstream out(path);
  out << j.dump(1) << "\n";
  if (!out) throw ConfigError("cannot write the calibration to " + path);
}

double Calibration::probability(const std::vector<double>& features) const {
  double z = 0.0;
  for (std::size_t a = 0; a < weights_.size() && a < features.size(); ++a) z += weights_[a] * features[a];
  return 1.0 / (1.0 + std::exp(-z));
}

std::string default_calibration_path() { return default_model_path("local_calibration.json"); }

}  // namespace crossocr
