// LocalEngine: the offline reader. A short image is split into its lines; each line is read by two
// networks (a general line reader and a CAPTCHA strip recogniser) and, unless they are sure, by
// Tesseract on preprocessed variants. A calibration turns the candidates into the probability
// that each is exactly right; the most probable stands, with that probability as its confidence.
// Pages go to Tesseract's own layout analysis. Not thread-safe: one per thread.
#pragma once

#include "engine.hpp"
#include "local/adapted_kind.hpp"
#include "local/preprocessor.hpp"
#include "local/tesseract_engine.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace crossocr {

// Internal parts (src/local/, src/strip_recognizer.hpp).
class StripRecognizer;
class LineReader;
class Calibration;
struct LineEvidence;


class LocalEngine : public Engine {
 public:
  explicit LocalEngine(const LocalOptions& options);  // throws ConfigError

  // Throws the ConfigError the constructor would for a missing file (language data, a model), in
  // microseconds: it loads nothing.
  static void check_files(const LocalOptions& options);
  ~LocalEngine() override;
  Reading read(const LoadedImage& image) override;

  // True when every word of `text` is in Tesseract's English dictionaries.
  bool is_word(const std::string& text) { return tesseract_.is_word(text); }

  // For fitting the calibration (`crossocr calibrate`): the features and text of every candidate
  // for an image read as one line, at both moments candidates are weighed (before and after
  // Tesseract).
  std::vector<std::pair<std::vector<double>, std::string>> calibration_samples(const LoadedImage& image);

  // Names the debug images of the next read (see PreprocessOptions::debug_dir).
  void set_debug_name(std::string name) { options_.preprocess.debug_name = std::move(name); }

 private:
  LocalOptions options_;
  TesseractEngine tesseract_;
  Reading read_lines(const cv::Mat& image, bool split);
  Reading read_line(const cv::Mat& line);
  LineEvidence network_evidence(const cv::Mat& line);
  void add_tesseract_evidence(LineEvidence& evidence, const cv::Mat& line);
  void mark_words(LineEvidence& evidence, std::size_t from);  // candidates from `from` on

  std::shared_ptr<StripRecognizer> recognizer_;  // null when there is none
  // Beside an adapted recogniser, the shipped one: each strip goes to whichever of the two is
  // surer of it, so that a model adapted to one kind does not read the others worse.
  std::shared_ptr<StripRecognizer> shipped_recognizer_;
  AdaptedKind adapted_kind_;  // of an adapted recogniser
  std::shared_ptr<LineReader> line_reader_;      // null when there is none
  std::shared_ptr<Calibration> calibration_;
  // The shipped maps, for readings an adapted recogniser took no part in (calibration_ itself
  // without one, or when a calibration was named).
  std::shared_ptr<Calibration> shipped_calibration_;
  bool adapted_took_part_ = false;  // in the reading under way: its network's reading was of its kind
};

}  // namespace crossocr
