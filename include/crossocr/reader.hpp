// Reader: crossocr's front door, in the manner of leveldb's DB::Open. One ReaderOptions value says
// everything (the mode, the local and remote readers' options, the vote policy, the flag rule,
// limits); Reader::open settles it once (the API key, the remote cache, whether the remote side
// can be used at all) and is the only call that may fail as a whole. Each image's outcome,
// failures included, comes back as an ImageResult.
//
// Thread-safety: a Reader may be used from one thread at a time; read_batch spreads its work over
// threads of its own.
#pragma once

#include "crossocr/errors.hpp"
#include "crossocr/runner.hpp"

#include <memory>
#include <string>
#include <vector>

namespace crossocr {

struct ReaderOptions {
  Mode mode = Mode::kLocal;
  unsigned jobs = 0;                // local reading threads; 0: one per core
  unsigned remote_concurrency = 4;  // remote requests in flight at once
  ImageLimits limits;
  LocalOptions local;
  RemoteOptions remote;             // for_provider("groq") unless changed; the key is found at open
  ReconcilePolicy policy;           // vote mode
  bool fallback_local = false;      // remote mode: read locally what the remote side cannot
  double flag_below = 0.9;          // local and remote modes: flag confidences below this
  bool use_cache = true;            // keep remote readings (remote.cache_path, else the default)
};

class Reader {
 public:
  // Throws ConfigError when nothing could be read: Tesseract data or a model missing. A missing
  // API key is not fatal: remote readings then come from the cache only, the rest fail with the
  // reason (vote mode answers from the local side), and remote_unavailable() says why.
  static std::unique_ptr<Reader> open(ReaderOptions options);

  // Reads one image (a path, or bytes with from_memory).
  ImageResult read(const ImageSource& source);

  // Reads a batch on the reader's threads and calls `sink` once per source, in input order, from
  // the calling thread, each as soon as it and all before it are done.
  void read_batch(const std::vector<ImageSource>& sources, const ResultSink& sink);

  // Why the remote side cannot make requests (no key, ...); empty when it can.
  const std::string& remote_unavailable() const { return remote_unavailable_; }

 private:
  Reader(RunOptions run, std::string remote_unavailable)
      : run_(std::move(run)), remote_unavailable_(std::move(remote_unavailable)) {}
  RunOptions run_;
  std::string remote_unavailable_;
};

}  // namespace crossocr
