// Runner: reads a batch of images on a pool of threads and hands the results back in input order,
// each as soon as it and all before it are done, so output can be streamed and nothing is lost
// when a long batch is interrupted.
#pragma once

#include "crossocr/image_loader.hpp"
#include "crossocr/local_engine.hpp"
#include "crossocr/reading.hpp"
#include "crossocr/reconciler.hpp"
#include "crossocr/remote_engine.hpp"

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
  std::vector<std::uint8_t> bytes;  // used instead of reading `name` when `from_memory`
  bool from_memory = false;
};

struct ImageResult {
  std::size_t index = 0;  // position in the batch
  std::string file;
  Mode mode = Mode::kLocal;
  Reading reading;        // the result; reading.error says why the image could not be read
  // Vote mode: the verdict and the two readings it was made from.
  std::optional<Verdict> verdict;
  std::optional<Reading> local;
  std::optional<Reading> remote;

  // Local and remote modes: whether a person should check this result, and why (vote mode says
  // it in the verdict).
  bool flag = false;
  std::string flag_reason;

  bool ok() const { return reading.ok(); }
  bool flagged() const { return verdict ? verdict->flagged : flag; }
  const std::string& reason() const { return verdict ? verdict->reason : flag_reason; }
};

struct RunOptions {
  Mode mode = Mode::kLocal;
  unsigned jobs = 0;                // local reading threads; 0: one per hardware thread
  unsigned remote_concurrency = 4;  // remote requests in flight at once
  ImageLimits limits;
  LocalOptions local;
  RemoteOptions remote;
  ReconcilePolicy policy;
  // Remote mode: read an image locally when its remote reading fails (verdict `local_only`).
  bool fallback_local = false;
  // Local and remote modes: a result whose confidence is below this is flagged for review. The
  // local confidence is calibrated: at 0.9, nine in ten of the results just above are right.
  double flag_below = 0.9;
};

// The flag rule of local and remote modes: a failed reading, one that doubts itself
// (Reading::note), or one whose confidence is below `flag_below`. Sets result.flag and
// flag_reason.
void flag_reading(ImageResult& result, double flag_below);

using ResultSink = std::function<void(const ImageResult&)>;

// Calls `sink` once per source, in order, from the calling thread. Throws ConfigError when the
// engines cannot be created; per-image failures arrive as results. `gate`, when given, is shared
// by the remote engines (the caller can ask it afterwards whether the remote side failed).
void run_batch(const std::vector<ImageSource>& sources, const RunOptions& options,
               const ResultSink& sink, std::shared_ptr<RemoteGate> gate = nullptr);

// Loads one source and reads it with a caller-owned engine; a load failure becomes the reading's
// error.
Reading read_source(const ImageSource& source, Engine& engine, const ImageLimits& limits);

}  // namespace crossocr
