// The only file that includes Tesseract's headers.
#include "local/tesseract_engine.hpp"

#include "stage_clock.hpp"

#include "local/glyph_choices.hpp"

#include "crossocr/errors.hpp"

#include <leptonica/allheaders.h>
#include <opencv2/imgproc.hpp>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>
#include <tesseract/resultiterator.h>

#include <omp.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <sstream>
#include <vector>

namespace crossocr {
namespace {

struct TextDeleter {
  void operator()(char* text) const { delete[] text; }
};
using TessText = std::unique_ptr<char, TextDeleter>;

// Strips are codes and CAPTCHAs, not words: dictionaries there only pull readings towards
// English. Documents are prose, where they help. Dictionaries load at Init only, hence two APIs.
enum class Flavour { kStrip, kPage };

// The folder Tesseract reads language data from when no --tessdata is given: TESSDATA_PREFIX,
// else the one Debian's packages install into.
std::filesystem::path default_tessdata() {
  if (const char* prefix = std::getenv("TESSDATA_PREFIX"); prefix != nullptr && *prefix != '\0') return prefix;
  return "/usr/share/tesseract-ocr/5/tessdata";
}

// A language whose data is missing is said in one line of ours: Tesseract's Init would first
// print four lines of its own to standard error, whatever debug_file says.
bool language_data_present(const TesseractOptions& options) {
  const std::filesystem::path dir =
      options.tessdata_dir.empty() ? default_tessdata() : std::filesystem::path(options.tessdata_dir);
  std::stringstream languages(options.lang);
  std::error_code error;
  for (std::string lang; std::getline(languages, lang, '+');) {
    if (!lang.empty() && !std::filesystem::exists(dir / (lang + ".traineddata"), error)) return false;
  }
  return true;
}

[[noreturn]] void language_data_unloadable(const TesseractOptions& options) {
  throw ConfigError("Tesseract could not load language '" + options.lang + "' from " +
                    (options.tessdata_dir.empty() ? std::string("its default tessdata folder")
                                                  : "'" + options.tessdata_dir + "'") +
                    ": install tesseract-ocr-" + options.lang + " or pass --tessdata DIR holding " +
                    options.lang + ".traineddata");
}

std::unique_ptr<tesseract::TessBaseAPI> make_api(const TesseractOptions& options,
                                                 Flavour flavour) {
  auto api = std::make_unique<tesseract::TessBaseAPI>();
  std::vector<std::string> names = {"debug_file"};
  std::vector<std::string> values = {"/dev/null"};  // Tesseract's warnings would interleave output
  if (flavour == Flavour::kStrip) {
    names.insert(names.end(), {"load_system_dawg", "load_freq_dawg"});
    values.insert(values.end(), {"0", "0"});
  }
  const char* datapath = options.tessdata_dir.empty() ? nullptr : options.tessdata_dir.c_str();
  if (!language_data_present(options) ||
      api->Init(datapath, options.lang.c_str(), tesseract::OEM_LSTM_ONLY, nullptr, 0, &names, &values, false) != 0) {
    language_data_unloadable(options);
  }
  // We fix polarity ourselves; a second inverted pass only costs time.
  api->SetVariable("tessedit_do_invert", "0");
  // Keep the LSTM's runners-up per symbol for ChoiceIterator (Glyph::alternatives).
  api->SetVariable("lstm_choice_mode", "1");
  if (!options.charset.empty()) api->SetVariable("tessedit_char_whitelist", options.charset.c_str());
  return api;
}

cv::Rect to_original(int left, int top, int right, int bottom, const Variant& variant) {
  const double s = variant.scale > 0 ? variant.scale : 1.0;
  const int x0 = static_cast<int>((left - variant.offset) / s);
  const int y0 = static_cast<int>((top - variant.offset) / s);
  const int x1 = static_cast<int>(std::ceil((right - variant.offset) / s));
  const int y1 = static_cast<int>(std::ceil((bottom - variant.offset) / s));
  return {std::max(0, x0), std::max(0, y0), std::max(1, x1 - x0), std::max(1, y1 - y0)};
}

// A glyph with where Tesseract put it (pixels of the recognised image) and how it starts.
struct PlacedGlyph {
  Glyph glyph;
  bool starts_line = false;
  bool starts_word = false;
  int left = 0, top = 0, right = 0, bottom = 0;
};

// The LSTM's other candidates for the symbol under `it`, most probable first.
std::vector<GlyphChoice> symbol_alternatives(const tesseract::ResultIterator& it,
                                             const std::string& chosen) {
  std::vector<GlyphChoice> alternatives;
  tesseract::ChoiceIterator choice(it);
  do {
    const char* text = choice.GetUTF8Text();
    if (text == nullptr || chosen == text || choice.Confidence() <= 0.0f) continue;
    // In lstm_choice_mode 1 Tesseract 5.3 gives percentages, whatever its header says.
    alternatives.push_back({text, std::clamp(choice.Confidence() / 100.0, 0.0, 1.0)});
  } while (choice.Next());
  keep_likeliest(alternatives);
  return alternatives;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0.0;
  std::nth_element(values.begin(), values.begin() + values.size() / 2, values.end());
  return values[values.size() / 2];
}

// CAPTCHAs and codes space their characters widely, and Tesseract takes some of those gaps for
// word spaces. On a strip a space is kept only where the gap is clearly wider than the line's
// usual gap between letters and wide in absolute terms, as between the words of a phrase.
void drop_letter_spacing(std::vector<PlacedGlyph>& placed) {
  std::size_t line_start = 0;
  while (line_start < placed.size()) {
    std::size_t line_end = line_start + 1;
    while (line_end < placed.size() && !placed[line_end].starts_line) ++line_end;
    std::vector<double> gaps, heights;
    for (std::size_t i = line_start; i < line_end; ++i) {
      heights.push_back(placed[i].bottom - placed[i].top);
      if (i > line_start) gaps.push_back(std::max(0, placed[i].left - placed[i - 1].right));
    }
    const double usual_gap = median(gaps), glyph_height = median(heights);
    for (std::size_t i = line_start + 1; i < line_end; ++i) {
      const double gap = placed[i].left - placed[i - 1].right;
      if (gap <= 2.0 * usual_gap || gap <= 0.35 * glyph_height) placed[i].starts_word = false;
    }
    line_start = line_end;
  }
}

// Started Tesseract APIs of one flavour and language data, shared by every engine of the process.
// A start-up costs about a sixth of a second of CPU (most of it Tesseract's own tables, loaded
// whatever the engine mode), while most reads and every dictionary lookup take milliseconds or
// less: a batch of codes needs one API of each flavour, not one per worker thread. A thread that
// finds every started API busy waits for one. Once the pool's threads have waited, together,
// as long as a start-up took and a tenth of the time since the last one, the next to find
// them busy starts another: labels, read line by line with Tesseract, and pages, read for
// seconds, soon get an API per thread; a batch of codes, where the threads meet only now and
// then, keeps one. Nobody waits for an API still starting: starting one's own takes as long.
class ApiPool {
 public:
  static ApiPool& of(const TesseractOptions& options, Flavour flavour) {
    static std::mutex made_mutex;
    // Never destroyed, nor its APIs: Tesseract makes its own singletons (the word lists' cache)
    // in the first start-up, after this map, so at exit they would go first, under its APIs.
    static auto& made = *new std::map<std::string, std::unique_ptr<ApiPool>>;
    std::lock_guard lock(made_mutex);
    auto& pool = made[options.tessdata_dir + '\n' + options.lang + '\n' + options.charset + '\n' +
                      (flavour == Flavour::kPage ? "page" : "strip")];
    if (!pool) pool.reset(new ApiPool(options, flavour));
    return *pool;
  }

  // An API for the holder alone until the lease ends.
  class Lease {
   public:
    Lease(ApiPool& pool, std::unique_ptr<tesseract::TessBaseAPI> api) : pool_(pool), api_(std::move(api)) {}
    ~Lease() {
      if (api_) pool_.give_back(std::move(api_));
    }
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    tesseract::TessBaseAPI& operator*() const { return *api_; }
    tesseract::TessBaseAPI* operator->() const { return api_.get(); }

   private:
    ApiPool& pool_;
    std::unique_ptr<tesseract::TessBaseAPI> api_;
  };

  // Starts the pool's first API on a thread of its own, unless one is started or starting: the
  // engine's other start-up work (the dictionaries' API, the networks) goes on beside it, on a
  // core the batch is not using yet. A failure is left for lease() to report.
  void start_first_aside() {
    std::lock_guard lock(mutex_);
    if (started_ > 0 || starting_aside_.valid()) return;
    starting_aside_ = std::async(std::launch::async, [this] {
      std::unique_ptr<tesseract::TessBaseAPI> api;
      try {
        api = start_one();
      } catch (const ConfigError&) {
        return;
      }
      give_back(std::move(api));
    }).share();
  }

  // Returns once no start-up runs on a thread of its own: none may still run at exit.
  void await_aside_start() {
    std::shared_future<void> starting;
    {
      std::lock_guard lock(mutex_);
      starting = starting_aside_;
    }
    if (starting.valid()) starting.wait();
  }

  // Throws ConfigError when no API can be started (missing or broken language data).
  Lease lease() {
    std::unique_lock lock(mutex_);
    while (idle_.empty() && started_ > 0) {
      const auto now = std::chrono::steady_clock::now();
      // Until both hold: waiting as long as a start-up, and for a tenth of the time.
      const auto short_of_patience = patience() - waited_;
      const auto short_of_share = (now - counted_since_ - kBusyShare * waited_) / (kBusyShare - 1);
      const auto wait = std::max(short_of_patience, short_of_share);
      if (wait <= std::chrono::steady_clock::duration::zero()) break;
      given_back_.wait_for(lock, wait, [this] { return !idle_.empty(); });
      waited_ += std::chrono::steady_clock::now() - now;
    }
    if (!idle_.empty()) {
      auto api = std::move(idle_.back());
      idle_.pop_back();
      return Lease(*this, std::move(api));
    }
    lock.unlock();
    return Lease(*this, start_one());
  }

 private:
  ApiPool(TesseractOptions options, Flavour flavour) : options_(std::move(options)), flavour_(flavour) {}

  // How long the pool's threads wait, together, before another start-up: as long as one takes.
  // A start-up costs its thread that time, and it saves the waiting still to come, which is about
  // the waiting so far if the batch goes on as long again. Waiting half a start-up had 300
  // xor-strips start a second API in 4 of 6 runs, just before the batch ended (0.81-0.84 s
  // against 0.71-0.75 s without); 100 multi-line labels, waiting all the time, take 3.25 s
  // against 3.20 s, and 3,000 strips still start it early on (4.9-5.1 s either way).
  std::chrono::steady_clock::duration patience() const { return start_up_cost_; }

  // A new API, counted: what it cost sets the patience, and the waiting starts over.
  std::unique_ptr<tesseract::TessBaseAPI> start_one() {
    const auto start = std::chrono::steady_clock::now();
    auto api = make_api(options_, flavour_);
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    ++started_;
    waited_ = {};
    counted_since_ = now;
    start_up_cost_ = now - start;
    return api;
  }

  void give_back(std::unique_ptr<tesseract::TessBaseAPI> api) {
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(api));
    }
    given_back_.notify_one();
  }

  const TesseractOptions options_;
  const Flavour flavour_;
  std::mutex mutex_;
  std::condition_variable given_back_;
  std::vector<std::unique_ptr<tesseract::TessBaseAPI>> idle_;
  int started_ = 0;
  // Until one is measured: about what a start-up takes on an idle core.
  std::chrono::steady_clock::duration start_up_cost_ = std::chrono::milliseconds(150);
  // By all threads since the last start-up: many short waits cost as much as one long one.
  std::chrono::steady_clock::duration waited_{};
  std::chrono::steady_clock::time_point counted_since_ = std::chrono::steady_clock::now();
  static constexpr int kBusyShare = 10;  // waiting a tenth of the time is contention
  std::shared_future<void> starting_aside_;
};

// Tesseract scales a line to a fixed height, so its beam search runs over columns in proportion
// to width/height: a blank 4000x4 strip gave it some 36,000 and cost seconds per variant. Rows of
// ground added below bound the ratio, and so the CPU per image; the boxes above keep their place.
constexpr int kMostColumnsPerRow = 100;

cv::Mat with_bounded_aspect(const cv::Mat& gray) {
  const int rows = gray.cols / kMostColumnsPerRow;
  if (gray.rows >= rows) return gray;
  const bool light_ground = static_cast<std::size_t>(cv::countNonZero(gray > 127)) * 2 > gray.total();
  cv::Mat padded;
  cv::copyMakeBorder(gray, padded, 0, rows - gray.rows, 0, 0, cv::BORDER_CONSTANT,
                     cv::Scalar::all(light_ground ? 255 : 0));
  return padded;
}

}  // namespace

struct TesseractEngine::Impl {
  TesseractOptions options;
  ApiPool* strip_apis = nullptr;
  ApiPool* page_apis = nullptr;  // with dictionaries: also the one the words are looked up in
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Since the deadline was set: waiting for a pooled API, or for one to start. That is not
  // Tesseract reading, so it does not count against the image's budget, which the deadline
  // moves out by: a line near its budget read differently while another thread held the API.
  std::chrono::steady_clock::duration waited_for_apis{};
  bool out_of_time = false;

  ApiPool::Lease lease(Layout layout) {
    // Debian's Tesseract splits each line's LSTM over OpenMP threads. With an engine per thread
    // that oversubscribes the cores many times over (tesseract#3109). OMP_THREAD_LIMIT
    // is read only at process start; allowing zero active parallel levels has the same effect from
    // inside the library. The setting belongs to the calling thread, hence here.
    omp_set_max_active_levels(0);
    const auto asked = std::chrono::steady_clock::now();
    ApiPool::Lease lease = (layout == Layout::kPage ? page_apis : strip_apis)->lease();
    waited_for_apis += std::chrono::steady_clock::now() - asked;
    return lease;
  }

  // Milliseconds left of the image's budget; meaningful only with a deadline.
  long long time_left() const {
    const auto now = std::chrono::steady_clock::now();
    return std::chrono::duration_cast<std::chrono::milliseconds>(*deadline + waited_for_apis - now).count();
  }
};

TesseractEngine::TesseractEngine(const TesseractOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->strip_apis = &ApiPool::of(options, Flavour::kStrip);
  impl_->page_apis = &ApiPool::of(options, Flavour::kPage);
  // Codes the networks are unsure of and labels are read without dictionaries: most batches
  // need that API soon, and its start-up fits beside this one's (300 strips: 0.83 -> 0.76 s).
  impl_->strip_apis->start_first_aside();
  // Fail now, not on the first image, when the data is missing. Every local reading looks its
  // candidates up in the dictionaries, so this start-up is never wasted.
  try {
    impl_->lease(Layout::kPage);
  } catch (...) {
    impl_->strip_apis->await_aside_start();
    throw;
  }
}

void TesseractEngine::check_language_data(const TesseractOptions& options) {
  if (!language_data_present(options)) language_data_unloadable(options);
}

TesseractEngine::~TesseractEngine() { impl_->strip_apis->await_aside_start(); }

Reading TesseractEngine::recognize(const Variant& variant, Layout layout, bool keep_word_spaces) {
  const int psm = impl_->options.psm >= 0 ? impl_->options.psm
                  : layout == Layout::kPage ? tesseract::PSM_AUTO
                                            : tesseract::PSM_SINGLE_LINE;
  return recognize_with(variant, layout, keep_word_spaces ? Layout::kPage : layout, psm);
}

Reading TesseractEngine::recognize_words(const Variant& variant) {
  Reading r = recognize_with(variant, Layout::kPage, Layout::kPage, tesseract::PSM_SINGLE_LINE);
  r.variant = variant.name + "+dictionary";
  return r;
}

Reading TesseractEngine::recognize_with(const Variant& variant, Layout dictionaries, Layout spacing, int psm) {
  const StageTimer timer(Stage::kTesseract);
  const auto start = std::chrono::steady_clock::now();
  Reading reading;
  reading.engine = "local";
  reading.variant = variant.name;

  cv::Mat gray = variant.image;
  if (gray.channels() != 1) cv::cvtColor(gray, gray, cv::COLOR_BGR2GRAY);
  gray = with_bounded_aspect(gray);
  if (!gray.isContinuous()) gray = gray.clone();

  if (impl_->deadline && impl_->time_left() <= 0) {
    impl_->out_of_time = true;
    reading.status = Status(StatusCode::kEngine, "the image's time for Tesseract ran out");
    return reading;
  }
  const ApiPool::Lease lease = impl_->lease(dictionaries);
  tesseract::TessBaseAPI& api = *lease;
  // The image's time budget: Tesseract checks the monitor between words and gives up after it.
  tesseract::ETEXT_DESC monitor;
  if (impl_->deadline) {
    const long long left = std::clamp<long long>(impl_->time_left(), 1, INT32_MAX);
    monitor.set_deadline_msecs(static_cast<std::int32_t>(left));
  }
  api.SetPageSegMode(static_cast<tesseract::PageSegMode>(psm));
  api.SetImage(gray.data, gray.cols, gray.rows, 1, static_cast<int>(gray.step));
  api.SetSourceResolution(300);  // unknown DPI would otherwise be guessed (and warned about)
  if (api.Recognize(impl_->deadline ? &monitor : nullptr) != 0) {
    impl_->out_of_time = impl_->out_of_time || monitor.deadline_exceeded();
    reading.status = Status(StatusCode::kEngine, monitor.deadline_exceeded()
                                                     ? "the image's time for Tesseract ran out"
                                                     : "Tesseract failed to recognise the image");
    return reading;
  }

  // Text is rebuilt from the glyphs so that text and glyphs always agree, character for character.
  std::vector<PlacedGlyph> placed;
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (it) {
    do {
      if (it->Empty(tesseract::RIL_SYMBOL)) continue;
      TessText symbol(it->GetUTF8Text(tesseract::RIL_SYMBOL));
      if (!symbol) continue;
      PlacedGlyph p;
      p.starts_line = it->IsAtBeginningOf(tesseract::RIL_TEXTLINE);
      p.starts_word = it->IsAtBeginningOf(tesseract::RIL_WORD);
      p.glyph.text = symbol.get();
      p.glyph.confidence = std::clamp(it->Confidence(tesseract::RIL_SYMBOL) / 100.0, 0.0, 1.0);
      p.glyph.alternatives = symbol_alternatives(*it, p.glyph.text);
      if (it->BoundingBox(tesseract::RIL_SYMBOL, &p.left, &p.top, &p.right, &p.bottom)) {
        p.glyph.box = to_original(p.left, p.top, p.right, p.bottom, variant);
      }
      placed.push_back(std::move(p));
    } while (it->Next(tesseract::RIL_SYMBOL));
  }
  if (spacing == Layout::kStrip) drop_letter_spacing(placed);

  double confidence_sum = 0.0;
  for (std::size_t i = 0; i < placed.size(); ++i) {
    if (placed[i].starts_line) {
      if (i > 0) reading.text += '\n';
    } else if (placed[i].starts_word) {
      reading.text += ' ';
    }
    confidence_sum += placed[i].glyph.confidence;
    reading.text += placed[i].glyph.text;
    reading.glyphs.push_back(std::move(placed[i].glyph));
  }
  reading.confidence = reading.glyphs.empty() ? 0.0 : confidence_sum / reading.glyphs.size();
  api.Clear();
  reading.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return reading;
}

bool TesseractEngine::is_word(const std::string& text) {
  bool any = false;
  std::string token;
  std::istringstream words(text);
  const ApiPool::Lease dictionary = impl_->lease(Layout::kPage);
  while (words >> token) {
    // Surrounding punctuation is not part of the word ("dress." is the word "dress").
    const auto first = std::find_if(token.begin(), token.end(), [](unsigned char c) { return std::isalpha(c); });
    const auto last = std::find_if(token.rbegin(), token.rend(), [](unsigned char c) { return std::isalpha(c); }).base();
    if (first >= last) return false;
    std::string word(first, last);
    if (!std::all_of(word.begin(), word.end(), [](unsigned char c) { return std::isalpha(c) || c == '\''; })) {
      return false;
    }
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (dictionary->IsValidWord(word.c_str()) == 0) return false;
    any = true;
  }
  return any;
}

Reading TesseractEngine::read(const LoadedImage& image) {
  Variant as_is{"as-is", image.pixels, 1.0, 0};
  return recognize(as_is, detect_layout(image.pixels));
}

void TesseractEngine::set_deadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
  impl_->deadline = deadline;
  impl_->waited_for_apis = {};
  impl_->out_of_time = false;
}

bool TesseractEngine::out_of_time() const { return impl_->out_of_time; }

}  // namespace crossocr
