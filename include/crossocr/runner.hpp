// Runner: reads a batch of images on a pool of threads and hands the results back in input order,
// each as soon as it and all before it are done, so output can be streamed and nothing is lost
// when a long batch is interrupted.
#pragma once

#include "crossocr/image_loader.hpp"
#include "crossocr/local_engine.hpp"
#include "crossocr/reading.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace crossocr {

enum class Mode { kLocal, kRemote, kVote };

// One input of a batch: a path, or bytes already read (standard input).
struct ImageSource {
  std::string name;                 // what results and errors call it ("-" for standard input)
  std::vector<std::uint8_t> bytes;  // used instead of reading `name` when `from_memory`
  bool from_memory = false;
};

struct ImageResult {
  std::size_t index = 0;  // position in the batch
  std::string file;
  Mode mode = Mode::kLocal;
  Reading reading;        // reading.error says why the image could not be read

  bool ok() const { return reading.ok(); }
};

struct RunOptions {
  Mode mode = Mode::kLocal;
  unsigned jobs = 0;  // 0: one per hardware thread
  ImageLimits limits;
  LocalOptions local;
};

using ResultSink = std::function<void(const ImageResult&)>;

// Calls `sink` once per source, in order, from the calling thread. Throws ConfigError when the
// engines cannot be created; per-image failures arrive as results.
void run_batch(const std::vector<ImageSource>& sources, const RunOptions& options,
               const ResultSink& sink);

// Reads one image on the calling thread with a caller-owned engine.
ImageResult read_one(const ImageSource& source, std::size_t index, Engine& engine,
                     const ImageLimits& limits);

}  // namespace crossocr
