// Calibration of the local reader: turns what the readers of one line produced (the line reader,
// the strip recogniser, Tesseract's variants) into the probability that a candidate text is
// exactly right. A logistic model over a few features of each candidate, fitted on generated
// lines by `crossocr calibrate` (never on an evaluation set) and stored as JSON beside the models.
#pragma once

#include "crossocr/reading.hpp"

#include <string>
#include <vector>

namespace crossocr {

enum class ReaderKind { kLine, kStrip, kTesseract };

// One distinct text some reader produced for a line.
struct Candidate {
  ReaderKind reader = ReaderKind::kLine;
  Reading reading;
  double path_log_probability = 0.0;  // networks: see CtcDecoded; Tesseract: unused
  int votes = 1;                      // Tesseract: how many variants read this text
  bool word = false;                  // the text is made of dictionary words
  bool adapted = false;               // read by a recogniser adapted to the user's kind
};

// What is known about the line as a whole when the candidates are weighed.
struct LineEvidence {
  std::vector<Candidate> candidates;
  bool tesseract_ran = false;
};

// The features of candidate `i` (the fixed order the weights follow; see calibration.cpp).
std::vector<double> candidate_features(const LineEvidence& evidence, std::size_t i);

class Calibration {
 public:
  // Weights that make a plausible, uncalibrated guess; used only when no file is there.
  Calibration();
  // Throws ConfigError when the file exists but is not a calibration of these features.
  static Calibration load(const std::string& path);
  // Logistic regression with an L2 penalty (Newton's method): rows of candidate_features and
  // whether each candidate was exactly right.
  static Calibration fit(const std::vector<std::vector<double>>& rows, const std::vector<bool>& right,
                         double l2 = 1e-3);
  // Throws ConfigError when it cannot be written.
  void save(const std::string& path, const std::string& origin) const;

  double probability(const std::vector<double>& features) const;
  bool fitted() const { return fitted_; }

  // The second stage. The engine reports the most probable of several candidates, and the
  // largest of several estimates runs high or low in ways the per-candidate fit cannot see; so
  // the chosen candidate's probability is mapped once more, by an isotonic (monotone) fit of
  // how often chosen readings were right at each probability on generated lines the first stage
  // was not fitted on. Without such a fit, the identity.
  double reading_probability(double candidate_probability) const { return reading_map_(candidate_probability); }
  // A reading of several lines has the product of its lines' first-stage probabilities, a
  // different quantity: it has a map of its own, fitted on generated multi-line labels.
  double lines_probability(double product) const { return lines_map_(product); }
  // Pool-adjacent-violators over (probability, right) pairs of chosen readings. Where the labels
  // were themselves right only a share `labels_right` of the time (remote readings), "right"
  // means "read as the label", and each rate is divided by that share (capped at 1): a reading
  // that is right matches a label that is right, independent errors rarely match.
  void fit_reading_map(const std::vector<double>& probabilities, const std::vector<bool>& right,
                       double labels_right = 1.0);
  void fit_lines_map(const std::vector<double>& products, const std::vector<bool>& right, double labels_right = 1.0);
  // Both maps back to the identity.
  void clear_reading_maps() { reading_map_ = {}; lines_map_ = {}; }

 private:
  // Knots of a second-stage map: block means of the first stage's probability and of rightness,
  // both increasing; linear between knots, flat beyond them; the identity without knots.
  struct IsotonicMap {
    std::vector<double> from, to;
    double operator()(double p) const;
    static IsotonicMap fit(const std::vector<double>& probabilities, const std::vector<bool>& right,
                           double labels_right);
  };

  std::vector<double> weights_;
  IsotonicMap reading_map_, lines_map_;
  bool fitted_ = false;
};

// models/local_calibration.json where installed or built.
std::string default_calibration_path();

}  // namespace crossocr
