// The options of the local and remote readers: plain values, set by a library user or by the
// CLI, and handed to Reader::open (reader.hpp), which settles them once. The functions below are
// safe from any thread (find_api_key reads the environment and a file, nothing shared).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crossocr {

// What kind of image we are looking at decides segmentation and how hard to clean.
enum class Layout {
  kAuto,   // decided from the image's size and shape
  kStrip,  // one short line of text: codes, labels, CAPTCHA-like strips
  kPage,   // a document page or a block of several lines
};

struct PreprocessOptions {
  Layout layout = Layout::kAuto;
  int target_cap_height = 32;  // pixels; Tesseract's LSTM reads 20-35 px capitals best
  bool deskew = true;
  int border = 12;             // white margin added around strips; Tesseract dislikes tight crops
  std::string debug_dir;       // when set, every step is written there as PNG
  std::string debug_name;      // file stem for the debug images
};

struct TesseractOptions {
  std::string lang = "eng";
  std::string tessdata_dir;  // empty: Tesseract's compiled-in default (TESSDATA_PREFIX honoured)
  int psm = -1;              // page segmentation mode; -1 picks 7 (single line) for strips, 3 for pages
  std::string charset;       // when non-empty, the only characters Tesseract may output
};

struct LocalOptions {
  PreprocessOptions preprocess;
  TesseractOptions tesseract;
  // Most Tesseract reads per image; reading stops earlier when two readings agree.
  int max_reads = 3;
  // The strip recogniser (ONNX); empty: models/strip_recognizer.onnx where installed or built;
  // "none": Tesseract only.
  std::string recognizer_path;
  // The general line reader (ONNX); empty: models/line_reader.onnx; "none": without it.
  std::string line_reader_path;
  // The calibration of candidates (JSON); empty: models/local_calibration.json; "none": an
  // uncalibrated guess (for fitting a calibration only).
  std::string calibration_path;
};

inline constexpr std::string_view kSeedPrompt =
    "This is an image, extract and return only text exactly as show,preserving case";

struct RemoteOptions {
  std::string provider = "groq";
  std::string base_url = "https://api.groq.com/openai/v1";
  std::string model = "meta-llama/llama-4-scout-17b-16e-instruct";
  std::string prompt = std::string(kSeedPrompt);
  int max_tokens = 500;
  double temperature = 0.0;
  double timeout_s = 30.0;          // per attempt, connection included
  double connect_timeout_s = 10.0;
  int retries = 2;                  // further attempts after the first
  // The key: given here by a library user, or found by find_api_key() in the file or variable
  // below (the CLI's way: a key never passes through argv). Never printed or logged.
  std::string api_key;
  std::string api_key_env;          // empty: the provider's usual variable (GROQ_API_KEY, ...)
  std::string api_key_file;         // first line is the key; wins over the variable
  int samples = 1;                  // >1: ask several times, confidence from agreement
  // Requests per minute this reader may start, retries included; 0: no limit but concurrency. N
  // processes sharing one key (shards) each take the key's limit divided by N.
  double requests_per_minute = 0.0;
  bool logprobs = false;            // ask for token log-probabilities (if the provider accepts)
  // Used when neither logprobs nor samples give a confidence: how often a vision LLM's answer is
  // exactly right on short text in practice (see README, "Confidence of remote readings").
  double prior_confidence = 0.75;
  std::uint64_t max_response_bytes = 1ull << 20;
  std::string cache_path;           // empty: no cache
  // Non-empty: no request may be made (e.g. no API key); readings come from the cache only, and
  // an image not there fails with this reason. Set before Reader::open, it makes a reader
  // cache-only by choice; else open() sets it when no key is found.
  std::string offline_reason;
};

// $XDG_CACHE_HOME/crossocr/remote.sqlite, else ~/.cache/crossocr/remote.sqlite.
std::string default_remote_cache_path();

// Remote priors: how often a model at an endpoint reads exactly right, fitted by `crossocr eval
// --fit-remote-prior` on a labelled set and used as RemoteOptions::prior_confidence for that
// endpoint and model. $XDG_DATA_HOME/crossocr/remote_priors.json, else
// ~/.local/share/crossocr/remote_priors.json.
std::string default_remote_priors_path();
// (right + 1) / (read + 2): the rate, kept off 0 and 1 for small sets.
double fitted_remote_prior(int right, int read);
// The prior stored for options.base_url and options.model, if any (an unreadable file has none).
std::optional<double> stored_remote_prior(const std::string& path, const RemoteOptions& options);
// Fits and stores the prior for options.base_url and options.model, replacing an older one, and
// returns it. Throws ConfigError when nothing was read or the file cannot be written.
double store_remote_prior(const std::string& path, const RemoteOptions& options, int right, int read,
                          const std::string& origin);

// The provider presets crossocr knows: groq, openai, ...
std::vector<std::string> provider_names();

// Options for a provider preset: its endpoint, its name for the seed's model, whether it takes
// logprobs and the variable its key usually lives in; everything else at its default. Throws
// ConfigError naming the known presets when `provider` is not one.
RemoteOptions for_provider(std::string_view provider);

// Fills options.api_key from api_key_file, else from the variable api_key_env (else the
// provider's), unless a key was given. Returns why no key could be found when one is needed (a
// keyless preset such as ollama, or a loopback endpoint, needs none); empty when all is well.
// The message names where to put a key, never a key.
std::string find_api_key(RemoteOptions& options);

}  // namespace crossocr
