#include "local/local_engine.hpp"

#include "crossocr/errors.hpp"
#include "local/glyph_case.hpp"
#include "local/calibration.hpp"
#include "local/candidate_choice.hpp"
#include "local/line_finder.hpp"
#include "local/look_alike_repair.hpp"
#include "local/line_reader.hpp"
#include "local/model_path.hpp"
#include "local/strip_recognizer.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <vector>

namespace crossocr {
namespace {

// Measures Glyph::ink_height: the rows between the first and last dark pixel in the glyph's
// columns of the variant that was read, in the original image's pixels. Only for glyphs that stand
// alone: where boxes overlap (joined or tightly set letters) the columns hold a neighbour's ink.
void measure_ink_heights(Reading& reading, const Variant& variant) {
  std::vector<Glyph>& glyphs = reading.glyphs;
  const cv::Mat ink = variant.image == 0;
  for (std::size_t i = 0; i < glyphs.size(); ++i) {
    const cv::Rect& box = glyphs[i].box;
    const bool overlaps = (i > 0 && glyphs[i - 1].box.br().x > box.x) ||
                          (i + 1 < glyphs.size() && box.br().x > glyphs[i + 1].box.x);
    if (overlaps) continue;
    const int x0 = static_cast<int>(box.x * variant.scale) + variant.offset;
    const int x1 = static_cast<int>(box.br().x * variant.scale) + variant.offset;
    const cv::Rect columns = cv::Rect(x0, 0, std::max(1, x1 - x0), ink.rows) &
                             cv::Rect(0, 0, ink.cols, ink.rows);
    if (columns.empty()) continue;
    cv::Mat rows;
    cv::reduce(ink(columns), rows, 1, cv::REDUCE_MAX);
    std::vector<cv::Point> inked;
    cv::findNonZero(rows, inked);
    if (!inked.empty()) glyphs[i].ink_height = (inked.back().y - inked.front().y + 1) / variant.scale;
  }
}

// Below this spread of levels in every channel an image is one flat colour (a blank page, an
// all-black or fully transparent image, JPEG noise on white): it holds no ink to read.
constexpr double kFaintestInk = 8.0;

bool one_flat_colour(const cv::Mat& image) {
  std::vector<cv::Mat> channels;
  cv::split(image, channels);
  for (const cv::Mat& channel : channels) {
    double lowest = 0.0, highest = 0.0;
    cv::minMaxLoc(channel, &lowest, &highest);
    if (highest - lowest >= kFaintestInk) return false;
  }
  return true;
}

// Nothing to read, and no reader is asked to imagine something (a blank 4000x4 strip once cost
// Tesseract tens of seconds and came out as "ne").
Reading blank_reading() {
  Reading blank;
  blank.engine = "local";
  blank.confidence_source = "calibrated";
  blank.note = "the image holds no ink (one flat colour)";
  return blank;
}

// A reading is never silently empty: when nothing visible was read from an image with ink, it
// says so (and is flagged for it). Its confidence is 0: an image with ink whose text is nothing
// is not what anyone asks to read, whatever the readers' candidates scored (an impossible
// `--charset` once left an empty reading at 0.888).
void explain_empty(Reading& reading) {
  const bool nothing_visible = std::all_of(reading.text.begin(), reading.text.end(),
                                           [](unsigned char c) { return std::isspace(c); });
  if (reading.ok() && nothing_visible && reading.note.empty()) {
    reading.note = "nothing was read, though the image holds ink";
    reading.confidence = 0.0;
  }
}

Reading finished(Reading reading, std::chrono::steady_clock::time_point start) {
  reading.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return reading;
}

// The strip recogniser reads codes of 0-9 A-Z a-z; it is asked when the line reader saw one, or
// could not make out what it saw (a CAPTCHA it was not trained for). A line the line reader is
// sure holds spaces or punctuation is not the recogniser's to read.
bool might_be_a_code(const Candidate& line) {
  const std::string& text = line.reading.text;
  const bool code = !text.empty() && text.size() <= 10 &&
                    std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isalnum(c); });
  return code || line.path_log_probability < std::log(0.5);
}

// White space at either end of a line is margin, not text.
void trim_spaces(Reading& reading) {
  const auto blank = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
  };
  while (!reading.glyphs.empty() && blank(reading.glyphs.back().text)) reading.glyphs.pop_back();
  while (!reading.glyphs.empty() && blank(reading.glyphs.front().text)) reading.glyphs.erase(reading.glyphs.begin());
  const auto first = reading.text.find_first_not_of(" \t\n");
  reading.text = first == std::string::npos ? "" : reading.text.substr(first, reading.text.find_last_not_of(" \t\n") - first + 1);
}

// Spaces or punctuation: a label, whose spaces are words' (not a widely spaced code).
bool looks_like_label(const std::string& text) { return text.find_first_of(" .,:;-/@#%+()") != std::string::npos; }

// Letters without digits: words, where Tesseract's dictionaries help.
bool looks_like_words(const std::string& text) {
  const auto letters = std::count_if(text.begin(), text.end(), [](unsigned char c) { return std::isalpha(c); });
  return letters >= 2 && std::none_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool line_reader_saw(const LineEvidence& evidence, bool (*kind)(const std::string&)) {
  return std::any_of(evidence.candidates.begin(), evidence.candidates.end(),
                     [&](const Candidate& c) { return c.reader == ReaderKind::kLine && kind(c.reading.text); });
}

void add_tesseract_candidate(LineEvidence& evidence, Reading reading) {
  trim_spaces(reading);
  for (Candidate& c : evidence.candidates) {
    if (c.reader == ReaderKind::kTesseract && c.reading.text == reading.text) {
      ++c.votes;
      return;
    }
  }
  evidence.candidates.push_back(Candidate{ReaderKind::kTesseract, std::move(reading)});
}

// A page is exactly right only if every line is: the calibrated probability of a lone Tesseract
// reading with the page's weakest glyph, once per line.
void page_confidence(Reading& page, const Calibration& calibration) {
  const long lines = 1 + std::count(page.text.begin(), page.text.end(), '\n');
  LineEvidence evidence;
  evidence.tesseract_ran = true;
  evidence.candidates.push_back(Candidate{ReaderKind::kTesseract, page});
  page.confidence =
      std::pow(calibration.reading_probability(calibration.probability(candidate_features(evidence, 0))), lines);
  page.confidence_source = "calibrated";
}

// The file a model option names, or the default one; a file that is not there is a configuration
// error, never a silent fall back to a weaker reader.
std::string model_file(const std::string& given, const std::string& default_name) {
  const std::string path = given.empty() ? default_model_path(default_name) : given;
  if (path.empty()) {
    throw ConfigError("the local model " + default_name + " was not found in " +
                      describe_model_search_path() + " (set CROSSOCR_MODELS to its folder)");
  }
  if (!std::filesystem::exists(path)) throw ConfigError("the local model " + path + " does not exist");
  return path;
}

// The calibration named, else an adapted recogniser's own, else (empty) the shipped one.
std::string calibration_for(const LocalOptions& options) {
  if (!options.calibration_path.empty() || options.recognizer_path.empty() || options.recognizer_path == "none") {
    return options.calibration_path;
  }
  const std::string own = adapted_calibration_file(recognizer_file(options.recognizer_path));
  return std::filesystem::exists(own) ? own : std::string();
}

// Shifts a line's glyph boxes into the image it was cut from.
void offset_boxes(Reading& reading, cv::Point by) {
  for (Glyph& g : reading.glyphs) g.box += by;
}

// The files an engine loads, found (empty: none asked for). Throws ConfigError naming a missing
// one and where it was looked for.
struct LocalModelFiles {
  std::string recognizer, shipped_recognizer, line_reader, calibration;
  std::string shipped_calibration;  // beside an adapted recogniser's own calibration

  explicit LocalModelFiles(const LocalOptions& options) {
    const std::string named = recognizer_file(options.recognizer_path);
    if (options.recognizer_path != "none") {
      recognizer = model_file(named, "strip_recognizer.onnx");
      if (!options.recognizer_path.empty()) {
        std::error_code ec;
        const std::string shipped = default_model_path("strip_recognizer.onnx");
        if (!shipped.empty() && !std::filesystem::equivalent(shipped, named, ec)) shipped_recognizer = shipped;
      }
    }
    if (options.line_reader_path != "none") line_reader = model_file(options.line_reader_path, "line_reader.onnx");
    if (options.calibration_path != "none") {
      calibration = model_file(calibration_for(options), "local_calibration.json");
      // An adapted recogniser's own maps are for the readings it took part in; the rest keep
      // the shipped maps (its own, fitted on its kind, made shared-set readings look surer than
      // they were: ECE up to 0.2).
      if (!shipped_recognizer.empty() && options.calibration_path.empty()) {
        const std::string shipped = model_file("", "local_calibration.json");
        std::error_code ec;
        if (!std::filesystem::equivalent(shipped, calibration, ec)) shipped_calibration = shipped;
      }
    }
  }
};

}  // namespace

void LocalEngine::check_files(const LocalOptions& options) {
  TesseractEngine::check_language_data(options.tesseract);
  LocalModelFiles{options};
}

LocalEngine::LocalEngine(const LocalOptions& options)
    : options_(options), tesseract_(options.tesseract) {
  const LocalModelFiles files(options_);
  if (!files.recognizer.empty()) recognizer_ = StripRecognizer::load(files.recognizer);
  if (!files.shipped_recognizer.empty()) {
    shipped_recognizer_ = StripRecognizer::load(files.shipped_recognizer);
    adapted_kind_ = load_adapted_kind(files.recognizer);
  }
  if (!files.line_reader.empty()) line_reader_ = LineReader::load(files.line_reader);
  calibration_ = std::make_shared<Calibration>(files.calibration.empty() ? Calibration()
                                                                         : Calibration::load(files.calibration));
  shipped_calibration_ = files.shipped_calibration.empty()
                             ? calibration_
                             : std::make_shared<Calibration>(Calibration::load(files.shipped_calibration));
}

LocalEngine::~LocalEngine() = default;

LineEvidence LocalEngine::network_evidence(const cv::Mat& line) {
  LineEvidence evidence;
  const std::string& charset = options_.tesseract.charset;
  if (line_reader_) {
    NetworkReading r = line_reader_->read(line, charset);
    evidence.candidates.push_back(Candidate{ReaderKind::kLine, std::move(r.reading), r.path_log_probability});
  }
  if (recognizer_ && (!line_reader_ || might_be_a_code(evidence.candidates.front()))) {
    const bool adapted = shipped_recognizer_ != nullptr;
    // An adapted network reads by a majority of five variants: on two unseen kinds, adapted on 300
    // examples, the whole engine read 1-5 points more so (README, "Adapting the local reader").
    NetworkReading r = adapted ? recognizer_->read_by_majority(line, charset) : recognizer_->read(line, charset);
    bool read_by_adapted = adapted;
    if (adapted) {
      // Measured with a model adapted to an unseen CAPTCHA kind: its kind 83.5 -> 82.5%, while
      // pycaptcha went 68.6 -> 74.3% (shipped 80%) and svg-captcha 82.5 -> 84.5% (86.5%).
      NetworkReading shipped = shipped_recognizer_->read(line, charset);
      // A character its kind is never written in says the strip is not of its kind, however sure
      // the network is: a network adapted to handwritten digits read pycaptcha's printed 1 as a
      // sure 7 (README, "Adapting the local reader").
      if (!adapted_kind_.writes(r.reading.text) || shipped.path_log_probability > r.path_log_probability) {
        r = std::move(shipped), read_by_adapted = false;
      }
    }
    Candidate strip{ReaderKind::kStrip, std::move(r.reading), r.path_log_probability};
    strip.adapted = read_by_adapted;
    adapted_took_part_ = adapted_took_part_ || read_by_adapted;
    evidence.candidates.push_back(std::move(strip));
  }
  mark_words(evidence, 0);
  return evidence;
}

void LocalEngine::add_tesseract_evidence(LineEvidence& evidence, const cv::Mat& line) {
  PreprocessOptions preprocessing = options_.preprocess;
  preprocessing.layout = Layout::kStrip;
  const Preprocessed prepared = preprocess(line, preprocessing);
  const bool label = line_reader_saw(evidence, looks_like_label);
  const std::size_t networks = evidence.candidates.size();  // already marked as words or not
  int reads = 0;
  bool agreed = false;
  for (const Variant& variant : prepared.variants) {
    if (reads++ >= options_.max_reads) break;
    Reading candidate = tesseract_.recognize(variant, Layout::kStrip, label);
    if (!candidate.ok()) {
      if (tesseract_.out_of_time()) break;
      continue;
    }
    measure_ink_heights(candidate, variant);
    correct_case_by_size(candidate, options_.tesseract.charset);
    // A text read twice (by two variants, or by a network and a variant) almost always is right.
    agreed = std::any_of(evidence.candidates.begin(), evidence.candidates.end(),
                         [&](const Candidate& c) { return c.reading.text == candidate.text; });
    add_tesseract_candidate(evidence, std::move(candidate));
    if (agreed) break;
  }
  // No agreement: the first variant once more with English dictionaries, for words.
  if (!agreed && line_reader_saw(evidence, looks_like_words) && !prepared.variants.empty()) {
    Reading words = tesseract_.recognize_words(prepared.variants.front());
    if (words.ok()) add_tesseract_candidate(evidence, std::move(words));
  }
  evidence.tesseract_ran = true;
  mark_words(evidence, networks);
}

void LocalEngine::mark_words(LineEvidence& evidence, std::size_t from) {
  for (std::size_t i = from; i < evidence.candidates.size(); ++i) {
    Candidate& c = evidence.candidates[i];
    c.word = tesseract_.is_word(c.reading.text);
  }
}

Reading LocalEngine::read_line(const cv::Mat& line) {
  LineEvidence evidence = network_evidence(line);
  if (!evidence.candidates.empty()) {
    Reading best = most_probable(evidence, *calibration_);
    if (sure_without_tesseract(evidence, best)) return best;
  }
  add_tesseract_evidence(evidence, line);
  if (evidence.candidates.empty()) {
    Reading none;
    none.engine = "local";
    none.status = Status(StatusCode::kEngine, tesseract_.out_of_time()
                                                  ? "the image's time for Tesseract ran out before anything was read"
                                                  : "Tesseract could not read any preprocessed variant");
    return none;
  }
  return final_choice(evidence, *calibration_);
}

std::vector<std::pair<std::vector<double>, std::string>> LocalEngine::calibration_samples(
    const LoadedImage& image) {
  std::vector<std::pair<std::vector<double>, std::string>> rows;
  LineEvidence evidence = network_evidence(image.pixels);
  // Both moments the engine weighs candidates: before Tesseract is asked, and after.
  for (std::size_t i = 0; i < evidence.candidates.size(); ++i) {
    rows.emplace_back(candidate_features(evidence, i), evidence.candidates[i].reading.text);
  }
  add_tesseract_evidence(evidence, image.pixels);
  for (std::size_t i = 0; i < evidence.candidates.size(); ++i) {
    rows.emplace_back(candidate_features(evidence, i), evidence.candidates[i].reading.text);
  }
  return rows;
}

Reading LocalEngine::read_lines(const cv::Mat& image, bool split) {
  const TextLines found = split ? find_text_lines(image) : TextLines{};
  if (split && found.lines.empty()) return blank_reading();  // too faint for the line finder
  Reading whole = read_line(image);
  if (found.lines.size() < 2) return whole;
  // Several lines: each is read on its own; the text is right only if every line is. A word on a
  // textured ground can look like lines to the finder: the whole image read as one line stays
  // when that reading is the more probable (and likely right).
  Reading joined;
  joined.engine = "local";
  joined.confidence = 1.0;
  joined.confidence_source = "calibrated";
  joined.variant = "lines";
  for (const TextLine& found_line : found.lines) {
    Reading line = read_line(found_line.pixels);
    if (!line.ok()) return whole;
    offset_boxes(line, found_line.bounds.tl());
    if (!joined.text.empty()) joined.text += "\n";
    joined.text += line.text;
    joined.confidence *= line.confidence;
    joined.glyphs.insert(joined.glyphs.end(), line.glyphs.begin(), line.glyphs.end());
    if (line.text.empty()) joined.note = "a line was read as nothing, though it holds ink";
  }
  // The calibration never saw several lines squeezed into one: a whole reading is only trusted
  // over the lines when it is more likely right than not.
  const bool whole_wins = whole.ok() && whole.confidence >= 0.5 && whole.confidence > joined.confidence;
  return whole_wins ? whole : joined;
}

namespace {

// 1 s, and 2 ms more per thousand pixels: some hundred times what a strip or label line takes.
std::chrono::steady_clock::duration tesseract_budget(cv::Size size) {
  const double seconds = 1.0 + 0.002 * (static_cast<double>(size.area()) / 1000.0);
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
}

// Sets Tesseract's deadline for one image, and lifts it when the image is read.
class TesseractBudget {
 public:
  TesseractBudget(TesseractEngine& tesseract, std::chrono::steady_clock::time_point deadline) : tesseract_(tesseract) {
    tesseract_.set_deadline(deadline);
  }
  ~TesseractBudget() { tesseract_.set_deadline(std::nullopt); }
  TesseractBudget(const TesseractBudget&) = delete;
  TesseractBudget& operator=(const TesseractBudget&) = delete;

 private:
  TesseractEngine& tesseract_;
};

}  // namespace

Reading LocalEngine::read(const LoadedImage& image) {
  const auto start = std::chrono::steady_clock::now();
  PreprocessOptions preprocessing = options_.preprocess;
  if (preprocessing.layout == Layout::kAuto) preprocessing.layout = detect_layout(image.pixels);
  if (!preprocessing.debug_dir.empty()) preprocess(image.pixels, preprocessing);  // the steps, as PNG
  if (one_flat_colour(image.pixels)) {  // in every layout, before any reader is asked
    Reading blank = blank_reading();
    blank.confidence = shipped_calibration_->reading_probability(0.0);  // no recogniser took part
    return finished(std::move(blank), start);
  }

  if (preprocessing.layout == Layout::kPage) {
    const Preprocessed prepared = preprocess(image.pixels, preprocessing);
    Reading page = tesseract_.recognize(prepared.variants.front(), Layout::kPage);
    if (page.ok()) page_confidence(page, *shipped_calibration_);  // Tesseract's alone
    explain_empty(page);
    return finished(std::move(page), start);
  }
  // --layout strip: one line, as given; otherwise a short image may hold several. Tesseract gets
  // a budget: it reads a strip in milliseconds, but noise it cannot segment took it seconds (an
  // 8x4000 strip of it, 3.2 s). Pages, above, take what they take.
  const TesseractBudget budget(tesseract_, start + tesseract_budget(image.pixels.size()));
  adapted_took_part_ = false;
  Reading read = read_lines(image.pixels, options_.preprocess.layout != Layout::kStrip);
  // A --charset says what the text may hold: letters it did not allow are not brought in.
  if (read.ok() && options_.tesseract.charset.empty()) {
    const auto is_word = [this](const std::string& word) { return tesseract_.is_word(word); };
    repair_look_alike_digits(read, is_word);
    repair_look_alike_letters(read);
    repair_look_alike_letters_in_words(read, is_word);
  }
  // The second stage: a reading of several lines (the product of its lines' first-stage
  // probabilities) has a map of its own.
  const Calibration& maps = adapted_took_part_ ? *calibration_ : *shipped_calibration_;
  read.confidence = read.variant == "lines" ? maps.lines_probability(read.confidence)
                                            : maps.reading_probability(read.confidence);
  // Which strip recogniser read it: an adapted one reads its own kind and leaves the rest to the
  // shipped one, and results say which.
  if (recognizer_) read.recognizer = adapted_took_part_ ? options_.recognizer_path : "shipped";
  explain_empty(read);
  return finished(std::move(read), start);
}

}  // namespace crossocr
