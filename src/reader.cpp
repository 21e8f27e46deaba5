#include "crossocr/reader.hpp"

#include "crossocr/errors.hpp"

namespace crossocr {

std::unique_ptr<Reader> Reader::open(ReaderOptions o) {
  RunOptions run;
  run.mode = o.mode;
  run.jobs = o.jobs;
  run.remote_concurrency = o.remote_concurrency;
  run.limits = o.limits;
  run.local = o.local;
  run.policy = o.policy;
  run.fallback_local = o.fallback_local;
  run.flag_below = o.flag_below;
  run.remote = std::move(o.remote);
  while (!run.remote.base_url.empty() && run.remote.base_url.back() == '/') run.remote.base_url.pop_back();
  if (o.use_cache && run.remote.cache_path.empty()) run.remote.cache_path = default_remote_cache_path();
  if (!o.use_cache) run.remote.cache_path.clear();
  std::string unavailable;
  if (run.mode != Mode::kLocal) {
    unavailable = find_api_key(run.remote);
    // Offline is a normal state: readings already paid for still come from the cache, the rest
    // fail with the reason (vote mode then answers from the local side).
    run.remote.offline_reason = unavailable;
  }
  // The local engine is made once here so that missing Tesseract data or a missing model is this
  // call's failure, not every image's.
  if (run.mode != Mode::kRemote || run.fallback_local) LocalEngine check(run.local);
  return std::unique_ptr<Reader>(new Reader(std::move(run), std::move(unavailable)));
}

ImageResult Reader::read(const ImageSource& source) {
  ImageResult out;
  read_batch({source}, [&](const ImageResult& r) { out = r; });
  return out;
}

void Reader::read_batch(const std::vector<ImageSource>& sources, const ResultSink& sink) {
  run_batch(sources, run_, sink);
}

}  // namespace crossocr
