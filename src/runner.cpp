#include "crossocr/runner.hpp"

#include "crossocr/errors.hpp"

#include <opencv2/core.hpp>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace crossocr {

ImageResult read_one(const ImageSource& source, std::size_t index, Engine& engine,
                     const ImageLimits& limits) {
  ImageResult result;
  result.index = index;
  result.file = source.name;
  const LoadedImage loaded =
      source.from_memory ? decode_image(source.bytes, limits) : load_image(source.name, limits);
  if (!loaded.ok()) {
    result.reading.error = loaded.error;
    return result;
  }
  try {
    result.reading = engine.read(loaded.pixels);
  } catch (const cv::Exception& e) {
    // An OpenCV assertion on a strange image belongs to that image, not to the batch.
    result.reading = Reading{};
    result.reading.error = "image processing failed: " + std::string(e.err);
  }
  return result;
}

void run_batch(const std::vector<ImageSource>& sources, const RunOptions& options,
               const ResultSink& sink) {
  if (options.mode != Mode::kLocal) {
    throw ConfigError("remote and vote modes are not available yet; use --mode local");
  }
  if (sources.empty()) return;

  unsigned jobs = options.jobs != 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  jobs = static_cast<unsigned>(std::min<std::size_t>(jobs, sources.size()));

  std::mutex mutex;
  std::condition_variable ready;
  std::vector<std::optional<ImageResult>> slots(sources.size());
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr config_failure;
  unsigned running = jobs;

  auto worker = [&] {
    try {
      // Each thread owns its engine: TessBaseAPI must never be shared.
      LocalEngine engine(options.local);
      for (std::size_t i; !stop && (i = next++) < sources.size();) {
        if (!options.local.preprocess.debug_dir.empty()) {
          engine.set_debug_name(std::to_string(i) + "-" +
                                std::filesystem::path(sources[i].name).stem().string());
        }
        ImageResult result = read_one(sources[i], i, engine, options.limits);
        result.mode = options.mode;
        std::lock_guard lock(mutex);
        slots[i] = std::move(result);
        ready.notify_one();
      }
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!config_failure) config_failure = std::current_exception();
      stop = true;
    }
    std::lock_guard lock(mutex);
    --running;
    ready.notify_one();
  };

  std::vector<std::jthread> pool;
  for (unsigned t = 0; t < jobs; ++t) pool.emplace_back(worker);

  // Hand results out in input order as soon as each one and all before it are ready.
  for (std::size_t emitted = 0; emitted < sources.size();) {
    std::unique_lock lock(mutex);
    ready.wait(lock, [&] { return slots[emitted].has_value() || running == 0; });
    if (!slots[emitted]) break;  // the workers stopped early (configuration failure)
    ImageResult result = std::move(*slots[emitted]);
    slots[emitted].reset();
    lock.unlock();
    sink(result);
    ++emitted;
  }
  stop = true;
  pool.clear();
  if (config_failure) std::rethrow_exception(config_failure);
}

}  // namespace crossocr
