#include "crossocr/reader.hpp"

#include "batch/runner.hpp"
#include "crossocr/errors.hpp"
#include "local/local_engine.hpp"

namespace crossocr {

std::unique_ptr<Reader> Reader::open(ReaderOptions o) {
  RemoteOptions& remote = o.remote;
  while (!remote.base_url.empty() && remote.base_url.back() == '/') remote.base_url.pop_back();
  if (o.use_cache && remote.cache_path.empty()) remote.cache_path = default_remote_cache_path();
  if (!o.use_cache) remote.cache_path.clear();
  // Offline is a normal state: readings already paid for still come from the cache, the rest
  // fail with the reason (vote mode then answers from the local side).
  if (o.mode != Mode::kLocal) remote.offline_reason = find_api_key(remote);
  // The local engine is made once here so that missing Tesseract data or a missing model is this
  // call's failure, not every image's.
  if (o.mode != Mode::kRemote || o.fallback_local) LocalEngine check(o.local);
  return std::unique_ptr<Reader>(new Reader(std::move(o)));
}

ImageResult Reader::read(const ImageSource& source) {
  ImageResult out;
  read_batch({source}, [&](const ImageResult& r) { out = r; });
  return out;
}

void Reader::read_batch(const std::vector<ImageSource>& sources, const ResultSink& sink) {
  run_batch(sources, options_, sink);
}

}  // namespace crossocr
