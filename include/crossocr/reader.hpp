// Reader: crossocr's front door, in the manner of leveldb's DB::Open. One ReaderOptions value says
// everything (the mode, the local and remote readers' options, the vote policy, the flag rule,
// limits); Reader::open settles it once (the API key, the remote cache, whether the remote side
// can be used at all) and is the only call that may fail as a whole. Each image's outcome,
// failures included, comes back as an ImageResult.
//
// Thread-safety: a Reader may be used from one thread at a time; read_batch spreads its work over
// threads of its own. Engines are made once per Reader and reused by every later read.
#pragma once

#include "crossocr/errors.hpp"
#include "crossocr/image_loader.hpp"
#include "crossocr/options.hpp"
#include "crossocr/reading.hpp"
#include "crossocr/reconciler.hpp"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace crossocr {

enum class Mode { kLocal, kRemote, kVote };

// One input of a batch: a path, or bytes already read (standard input).
struct ImageSource {
  std::string name;                 // what results and errors call it ("-" for standard input)
  std::vector<std::uint8_t> bytes{};  // used instead of reading `name` when `from_memory`
  bool from_memory = false;
  // Set when the input could not even be found (a folder or list that cannot be read): it is
  // reported as this input's error, in its place in the batch, and nothing is read.
  Status failure{};
  // A page (1-based) of a multi-page document (see count_pages); 0: the file is one image.
  int page = 0;
  // The pages of a document held in memory share its bytes, used instead of `bytes` when set.
  std::shared_ptr<const std::vector<std::uint8_t>> shared_bytes{};
};

struct ImageResult {
  std::size_t index = 0;  // position in the batch
  std::string file;
  int page = 0;           // of a multi-page document, 1-based; 0: the file is one image
  int width = 0, height = 0;  // of the image as loaded, in pixels; 0 when it could not be loaded
  cv::Mat pixels;             // the image as loaded, only with ReaderOptions::keep_pixels

  // How results and errors name it: the file, and FILE#PAGE for a page.
  std::string name() const { return page > 0 ? file + "#" + std::to_string(page) : file; }
  Mode mode = Mode::kLocal;
  Reading reading;        // the result; reading.status says why the image could not be read
  // Vote mode (and remote mode's local fallback): the verdict and the two readings it was made from.
  std::optional<Verdict> verdict;
  std::optional<Reading> local;
  std::optional<Reading> remote;

  // Local and remote modes: whether a person should check this result, and why (a verdict says
  // it itself).
  bool flag = false;
  std::string flag_reason;

  bool ok() const { return reading.ok(); }
  bool flagged() const { return verdict ? verdict->flagged : flag; }
  const std::string& reason() const { return verdict ? verdict->reason : flag_reason; }
};

using ResultSink = std::function<void(const ImageResult&)>;

struct ReaderOptions {
  Mode mode = Mode::kLocal;
  unsigned jobs = 0;                // local reading threads; 0: one per core
  unsigned remote_concurrency = 4;  // remote requests in flight at once
  ImageLimits limits;
  LocalOptions local;
  RemoteOptions remote;             // for_provider("groq") unless changed; the key is found at open
  ReconcilePolicy policy;           // vote mode
  bool fallback_local = false;      // remote mode: read locally what the remote side cannot
  // Local and remote modes: a result whose confidence is below this is flagged for review. The
  // local confidence is calibrated: at 0.9, nine in ten of the results just above are right.
  double flag_below = 0.9;
  bool use_cache = true;            // keep remote readings (remote.cache_path, else the default)
  bool keep_pixels = false;         // results carry their images (a searchable PDF is made of them)
};

class Reader {
 public:
  // Throws ConfigError when nothing could be read: Tesseract data or a model missing. A missing
  // API key is not fatal: remote readings then come from the cache only, the rest fail with the
  // reason (vote mode answers from the local side), and remote_unavailable() says why.
  static std::unique_ptr<Reader> open(ReaderOptions options);

  // Reads one image (a path, or bytes with from_memory).
  ImageResult read(const ImageSource& source);

  // Reads a batch on the reader's threads and calls `sink` once per source from the calling
  // thread: in input order, each as soon as it and all before it are done; or, with kFinished,
  // each as soon as it is done (ImageResult::index says which source it is).
  enum class Order { kInput, kFinished };
  void read_batch(const std::vector<ImageSource>& sources, const ResultSink& sink, Order order = Order::kInput);

  // Why the remote side cannot make requests (no key, ...); empty when it can.
  const std::string& remote_unavailable() const;

  // What open() found and dealt with that a user should hear of once (e.g. a corrupt remote
  // cache set aside and a new one started).
  const std::vector<std::string>& notices() const;

  // The options as open() settled them (the key found, the cache path chosen, ...).
  const ReaderOptions& options() const;

  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

 private:
  struct Impl;
  explicit Reader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The flag rule of local and remote modes: a failed reading, one that doubts itself
// (Reading::note), or one whose confidence is below `flag_below`. Sets result.flag and
// flag_reason. (Vote mode's verdicts flag themselves.)
void flag_reading(ImageResult& result, double flag_below);

}  // namespace crossocr
