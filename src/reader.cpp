// The front door's policy: which engines a mode needs, how their readings become one result, and
// the flag rule. Batches run on ordered_map, which knows nothing of modes; engines come from pools
// made once per Reader.
#include "crossocr/reader.hpp"

#include "batch/engine_pool.hpp"
#include "batch/ordered_map.hpp"
#include "crossocr/errors.hpp"
#include "local/local_engine.hpp"
#include "remote/reading_cache.hpp"
#include "remote/remote_engine.hpp"

#include <opencv2/core.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

namespace crossocr {
namespace {

// --debug-dir must be writable before the first image, not discovered on it.
void check_debug_dir(const std::string& dir) {
  if (dir.empty()) return;
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw ConfigError("cannot create --debug-dir " + dir + ": " + error.message());
  const std::filesystem::path probe = std::filesystem::path(dir) / ".crossocr-write-test";
  const bool writable = static_cast<bool>(std::ofstream(probe) << "");
  std::filesystem::remove(probe, error);
  if (!writable) throw ConfigError("cannot write in --debug-dir " + dir);
}

Reading failed(Status status) {
  Reading r;
  r.status = std::move(status);
  return r;
}

// The engine boundary: whatever an engine throws on one image becomes that image's Status.
Reading read_with(Engine& engine, const LoadedImage& image) {
  try {
    return engine.read(image);
  } catch (const cv::Exception& e) {
    return failed(Status(StatusCode::kEngine, "image processing failed: " + std::string(e.err)));
  } catch (const ConfigError& e) {
    return failed(Status(StatusCode::kConfig, e.what()));
  } catch (const std::exception& e) {
    return failed(Status(StatusCode::kEngine, "reading failed: " + std::string(e.what())));
  }
}

// The same text under the vote's case rule, folded as the reconciler folds it.
bool same_under(const ReconcilePolicy& policy, const std::string& a, const std::string& b) {
  return policy.case_sensitive ? a == b : folded(a) == folded(b);
}

// The verdict as a reading, so that every mode's result has the same shape.
Reading verdict_reading(const Verdict& verdict, const Reading& local, const Reading& remote) {
  Reading r;
  r.engine = "vote";
  r.text = verdict.text;
  r.confidence = verdict.confidence;
  if (verdict.status == VerdictStatus::kFailed) {
    r.status = Status(local.ok() ? remote.status.code() : local.status.code(), verdict.reason);
  }
  return r;
}

void add_verdict(ImageResult& result, Reading local, Reading remote, const ReconcilePolicy& policy) {
  result.verdict = reconcile(local, remote, policy);
  result.reading = verdict_reading(*result.verdict, local, remote);
  result.local = std::move(local);
  result.remote = std::move(remote);
}

// An image that could not be decoded: no engine saw it. Vote mode still says so in a verdict.
void add_load_failure(ImageResult& result, const Status& status) {
  result.reading = failed(status);
  if (result.mode != Mode::kVote) return;
  Verdict v;
  v.status = VerdictStatus::kFailed;
  v.flagged = true;
  v.reason = status.message();
  result.verdict = std::move(v);
}

LoadedImage load(const ImageSource& source, const ImageLimits& limits) {
  if (!source.failure.ok()) return LoadedImage{{}, source.failure, {}, {}};
  const std::vector<std::uint8_t>& bytes = source.shared_bytes ? *source.shared_bytes : source.bytes;
  if (source.page > 0) return source.from_memory ? decode_page(bytes, source.page, limits)
                                                 : load_page(source.name, source.page, limits);
  return source.from_memory ? decode_image(bytes, limits) : load_image(source.name, limits);
}

}  // namespace

void flag_reading(ImageResult& result, double flag_below) {
  const Reading& r = result.reading;
  result.flag = true;
  if (!r.ok()) {
    result.flag_reason = "not read: " + r.status.message();
  } else if (!r.note.empty()) {
    result.flag_reason = r.note;
  } else if (r.confidence < flag_below) {
    char text[96];
    std::snprintf(text, sizeof text, "confidence %.2f is below --flag-below %.2f", r.confidence, flag_below);
    result.flag_reason = text;
  } else {
    result.flag = false;
    result.flag_reason.clear();
  }
}

struct Reader::Impl {
  ReaderOptions options;
  std::shared_ptr<RemoteGate> gate = std::make_shared<RemoteGate>(options.remote.requests_per_minute);
  std::vector<std::string> notices;  // said once, at open
  EnginePool<LocalEngine> local;
  EnginePool<RemoteEngine> remote;

  explicit Impl(ReaderOptions o)
      : options(std::move(o)),
        local(local_threads(), [this] { return std::make_unique<LocalEngine>(options.local); }),
        remote(std::max(1u, options.remote_concurrency),
               [this] { return std::make_unique<RemoteEngine>(options.remote, gate); }) {}

  unsigned local_threads() const {
    return options.jobs != 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  }

  // Threads of a batch: enough to keep every engine the mode needs busy.
  unsigned batch_threads() const {
    switch (options.mode) {
      case Mode::kLocal: return local_threads();
      case Mode::kRemote: return std::max(1u, options.remote_concurrency);
      case Mode::kVote: return std::max(local_threads(), std::max(1u, options.remote_concurrency));
    }
    return 1;
  }

  // An engine that cannot be made (the first one was, at open) fails this image, not the batch.
  Reading read_locally(const LoadedImage& image, std::size_t index, const std::string& name) {
    try {
      auto engine = local.borrow();
      if (!options.local.preprocess.debug_dir.empty()) {
        engine->set_debug_name(std::to_string(index) + "-" + std::filesystem::path(name).stem().string());
      }
      return read_with(*engine, image);
    } catch (const std::exception& e) {
      return failed(Status(StatusCode::kConfig, e.what()));
    }
  }

  Reading read_remotely(const LoadedImage& image) {
    try {
      auto engine = remote.borrow();
      return read_with(*engine, image);
    } catch (const std::exception& e) {
      return failed(Status(StatusCode::kConfig, e.what()));
    }
  }

  // Vision models answer a real word in place of a code (published evaluations; the simulated
  // model does it in one error in ten): a remote answer that is a dictionary word, which the
  // local reader did not read, leaves the verdict unverified whichever text it chose.
  void doubt_word_substitution(ImageResult& result) {
    Verdict& v = *result.verdict;
    if (!result.local || !result.remote || !result.local->ok() ||
        !result.remote->ok() || same_under(options.policy, result.local->text, result.remote->text)) {
      return;
    }
    // A code with digits among its letters is no word put for a code ("46xXv4" holds the
    // Roman "xxv" between its digits, and the local calibration's word feature counts it so).
    const std::string& answer = result.remote->text;
    if (std::any_of(answer.begin(), answer.end(), [](unsigned char c) { return std::isdigit(c); })) return;
    try {
      if (!local.borrow()->is_word(answer)) return;
    } catch (const std::exception&) {
      return;  // no dictionary: nothing to doubt by
    }
    const std::string why = "the remote answer '" + result.remote->text +
                            "' is a dictionary word the local reader did not read (vision models give words for codes)";
    v.reason = v.flagged ? v.reason + "; " + why : why;
    v.flagged = true;
  }

  // One image, decoded once and read by whichever engines the mode needs.
  ImageResult read_one(std::size_t index, const ImageSource& source) {
    ImageResult result;
    result.index = index;
    result.file = source.name;
    result.page = source.page;
    result.mode = options.mode;
    const LoadedImage image = load(source, options.limits);
    if (!image.ok()) {
      add_load_failure(result, image.status);
      if (!result.verdict) flag_reading(result, options.flag_below);
      return result;
    }
    result.width = image.pixels.cols;
    result.height = image.pixels.rows;
    if (options.keep_pixels) result.pixels = image.pixels;
    switch (options.mode) {
      case Mode::kLocal:
        result.reading = read_locally(image, index, source.name);
        flag_reading(result, options.flag_below);
        break;
      case Mode::kRemote:
        result.reading = read_remotely(image);
        if (!result.reading.ok() && options.fallback_local) {
          Reading remote_reading = std::move(result.reading);
          add_verdict(result, read_locally(image, index, source.name), std::move(remote_reading), options.policy);
        } else {
          flag_reading(result, options.flag_below);
        }
        break;
      case Mode::kVote: {
        // Both engines at once: the slower one sets the latency, not their sum.
        auto remote_reading = std::async(std::launch::async, [&] { return read_remotely(image); });
        Reading local_reading = read_locally(image, index, source.name);
        add_verdict(result, std::move(local_reading), remote_reading.get(), options.policy);
        doubt_word_substitution(result);
        break;
      }
    }
    return result;
  }
};

std::unique_ptr<Reader> Reader::open(ReaderOptions o) {
  o.policy.flag_below = o.flag_below;  // one threshold for every mode
  RemoteOptions& remote = o.remote;
  while (!remote.base_url.empty() && remote.base_url.back() == '/') remote.base_url.pop_back();
  if (o.use_cache && remote.cache_path.empty()) remote.cache_path = default_remote_cache_path();
  if (!o.use_cache) remote.cache_path.clear();
  // Offline is a normal state: readings already paid for still come from the cache, the rest
  // fail with the reason (vote mode then answers from the local side).
  // A reason given beforehand makes the reader cache-only by choice (crossocr adapt).
  if (o.mode != Mode::kLocal && remote.offline_reason.empty()) remote.offline_reason = find_api_key(remote);
  check_debug_dir(o.local.preprocess.debug_dir);
  std::vector<std::string> notices;
  if (o.mode != Mode::kLocal && !remote.cache_path.empty()) {
    if (std::string repaired = remote::ReadingCache::repair(remote.cache_path); !repaired.empty()) {
      notices.push_back(std::move(repaired));
    }
  }
  std::unique_ptr<Reader> reader(new Reader(std::make_unique<Impl>(std::move(o))));
  reader->impl_->notices = std::move(notices);
  // The first local engine is made here, so that missing Tesseract data or a missing model is
  // this call's failure, not every image's; it then reads like the others.
  // In vote mode with the remote side at hand, only the files are checked here: the engine is
  // made on the first image, while that image's remote request is under way (its start-up, about
  // 0.15 s, came before the request: one image took 36% longer than the slower reader alone). A
  // file present but broken then fails each image's local reading, saying why; the remote stands.
  const ReaderOptions& settled = reader->impl_->options;
  const bool remote_at_hand = settled.mode == Mode::kVote && settled.remote.offline_reason.empty();
  if (remote_at_hand) {
    LocalEngine::check_files(settled.local);
  } else if (settled.mode != Mode::kRemote || settled.fallback_local) {
    reader->impl_->local.adopt(std::make_unique<LocalEngine>(settled.local));
  }
  return reader;
}

Reader::Reader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reader::~Reader() = default;

const ReaderOptions& Reader::options() const { return impl_->options; }

const std::vector<std::string>& Reader::notices() const { return impl_->notices; }

const std::string& Reader::remote_unavailable() const { return impl_->options.remote.offline_reason; }

ImageResult Reader::read(const ImageSource& source) {
  impl_->gate->reset();
  return impl_->read_one(0, source);
}

void Reader::read_batch(const std::vector<ImageSource>& sources, const ResultSink& sink, Order order) {
  impl_->gate->reset();
  const unsigned threads = impl_->batch_threads();
  ordered_map<ImageResult>(
      sources.size(), threads, 8 * static_cast<std::size_t>(threads),
      [&](std::size_t i) { return impl_->read_one(i, sources[i]); },
      [&](std::size_t, ImageResult&& result) { sink(result); }, order == Order::kInput);
}

}  // namespace crossocr
