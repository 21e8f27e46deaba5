#include "batch/runner.hpp"

#include "local/local_engine.hpp"

#include "crossocr/errors.hpp"

#include <opencv2/core.hpp>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

namespace crossocr {
namespace {

// Readings of one image, filled in by whichever pools the mode needs.
struct Slot {
  std::optional<Reading> local;
  std::optional<Reading> remote;
};

// The state the worker pools and the emitting thread share.
class Batch {
 public:
  Batch(std::size_t size, bool needs_local, bool needs_remote)
      : slots_(size), needs_local_(needs_local), needs_remote_(needs_remote) {}

  void put(std::size_t i, Reading reading, bool remote) {
    std::lock_guard lock(mutex_);
    (remote ? slots_[i].remote : slots_[i].local) = std::move(reading);
    ready_.notify_all();
  }

  void worker_started() {
    std::lock_guard lock(mutex_);
    ++running_;
  }

  void worker_finished(std::exception_ptr failure) {
    std::lock_guard lock(mutex_);
    --running_;
    if (failure && !failure_) failure_ = failure;
    if (failure) stop_ = true;
    ready_.notify_all();
  }

  bool stopping() const { return stop_; }
  void stop() { stop_ = true; }

  // Waits until image `i` has every reading its mode needs; nothing when the workers ended first.
  std::optional<Slot> take(std::size_t i) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return complete(i) || running_ == 0 || failure_; });
    if (!complete(i)) return std::nullopt;
    Slot slot = std::move(slots_[i]);
    slots_[i] = Slot{};
    return slot;
  }

  std::exception_ptr failure() {
    std::lock_guard lock(mutex_);
    return failure_;
  }

 private:
  bool complete(std::size_t i) const {
    return (!needs_local_ || slots_[i].local) && (!needs_remote_ || slots_[i].remote);
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<Slot> slots_;
  bool needs_local_, needs_remote_;
  int running_ = 0;
  std::atomic<bool> stop_{false};
  std::exception_ptr failure_;
};

// The verdict as a reading, so that every mode's result has the same shape.
Reading verdict_reading(const Verdict& verdict) {
  Reading r;
  r.engine = "vote";
  r.text = verdict.text;
  r.confidence = verdict.confidence;
  if (verdict.status == VerdictStatus::kFailed) r.error = verdict.reason;
  return r;
}

unsigned pool_size(unsigned wanted, unsigned fallback, std::size_t work) {
  const unsigned n = wanted != 0 ? wanted : std::max(1u, fallback);
  return static_cast<unsigned>(std::min<std::size_t>(n, work));
}

}  // namespace

void flag_reading(ImageResult& result, double flag_below) {
  const Reading& r = result.reading;
  result.flag = true;
  if (!r.ok()) {
    result.flag_reason = "not read: " + r.error;
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

Reading read_source(const ImageSource& source, Engine& engine, const ImageLimits& limits) {
  const LoadedImage loaded =
      source.from_memory ? decode_image(source.bytes, limits) : load_image(source.name, limits);
  Reading reading;
  if (!loaded.ok()) {
    reading.error = loaded.error;
    return reading;
  }
  try {
    return engine.read(loaded);
  } catch (const cv::Exception& e) {
    // An OpenCV assertion on a strange image belongs to that image, not to the batch.
    reading.error = "image processing failed: " + std::string(e.err);
    return reading;
  } catch (const ConfigError&) {
    throw;  // the whole batch's problem (e.g. --debug-dir cannot be written)
  } catch (const std::exception& e) {
    reading.error = "reading failed: " + std::string(e.what());
    return reading;
  }
}

void run_batch(const std::vector<ImageSource>& sources, const ReaderOptions& options,
               const ResultSink& sink, std::shared_ptr<RemoteGate> gate) {
  if (sources.empty()) return;
  const bool needs_local = options.mode != Mode::kRemote;
  const bool needs_remote = options.mode != Mode::kLocal;
  if (!gate) gate = std::make_shared<RemoteGate>();

  Batch batch(sources.size(), needs_local, needs_remote);
  std::atomic<std::size_t> next_local{0}, next_remote{0};

  auto local_worker = [&] {
    std::exception_ptr failure;
    try {
      LocalEngine engine(options.local);  // one per thread: TessBaseAPI is never shared
      for (std::size_t i; !batch.stopping() && (i = next_local++) < sources.size();) {
        if (!options.local.preprocess.debug_dir.empty()) {
          engine.set_debug_name(std::to_string(i) + "-" +
                                std::filesystem::path(sources[i].name).stem().string());
        }
        batch.put(i, read_source(sources[i], engine, options.limits), false);
      }
    } catch (...) {
      failure = std::current_exception();
    }
    batch.worker_finished(failure);
  };
  auto remote_worker = [&] {
    std::exception_ptr failure;
    try {
      RemoteEngine engine(options.remote, gate);
      for (std::size_t i; !batch.stopping() && (i = next_remote++) < sources.size();) {
        batch.put(i, read_source(sources[i], engine, options.limits), true);
      }
    } catch (...) {
      failure = std::current_exception();
    }
    batch.worker_finished(failure);
  };

  std::vector<std::jthread> pool;
  if (needs_local) {
    const unsigned n = pool_size(options.jobs, std::thread::hardware_concurrency(), sources.size());
    for (unsigned t = 0; t < n; ++t) {
      batch.worker_started();
      pool.emplace_back(local_worker);
    }
  }
  if (needs_remote) {
    for (unsigned t = 0; t < pool_size(options.remote_concurrency, 1, sources.size()); ++t) {
      batch.worker_started();
      pool.emplace_back(remote_worker);
    }
  }

  // Hand results out in input order as soon as each one and all before it are ready.
  std::unique_ptr<LocalEngine> fallback_engine;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    std::optional<Slot> slot = batch.take(i);
    if (!slot) break;  // the workers stopped early (configuration failure)
    ImageResult result;
    result.index = i;
    result.file = sources[i].name;
    result.mode = options.mode;
    if (options.mode == Mode::kVote) {
      result.verdict = reconcile(*slot->local, *slot->remote, options.policy);
      result.reading = verdict_reading(*result.verdict);
      result.local = std::move(slot->local);
      result.remote = std::move(slot->remote);
    } else if (!needs_local && !slot->remote->ok() && options.fallback_local) {
      // Failures are rare in a healthy batch; read them here, on one engine made on first need.
      if (!fallback_engine) fallback_engine = std::make_unique<LocalEngine>(options.local);
      result.local = read_source(sources[i], *fallback_engine, options.limits);
      result.remote = std::move(slot->remote);
      result.verdict = reconcile(*result.local, *result.remote, options.policy);
      result.reading = verdict_reading(*result.verdict);
    } else {
      result.reading = needs_local ? std::move(*slot->local) : std::move(*slot->remote);
      flag_reading(result, options.flag_below);
    }
    sink(result);
  }
  batch.stop();
  pool.clear();
  if (auto failure = batch.failure()) std::rethrow_exception(failure);
}

}  // namespace crossocr
