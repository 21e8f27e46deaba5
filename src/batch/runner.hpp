// Runner: reads a batch of images on a pool of threads and hands the results back in input order,
// each as soon as it and all before it are done, so output can be streamed and nothing is lost
// when a long batch is interrupted.
#pragma once

#include "crossocr/reader.hpp"
#include "engine.hpp"
#include "remote/remote_engine.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace crossocr {

// The flag rule of local and remote modes: a failed reading, one that doubts itself
// (Reading::note), or one whose confidence is below `flag_below`. Sets result.flag and
// flag_reason.
void flag_reading(ImageResult& result, double flag_below);

// Calls `sink` once per source, in order, from the calling thread. Throws ConfigError when the
// engines cannot be created; per-image failures arrive as results. `gate`, when given, is shared
// by the remote engines (the caller can ask it afterwards whether the remote side failed).
void run_batch(const std::vector<ImageSource>& sources, const ReaderOptions& options,
               const ResultSink& sink, std::shared_ptr<RemoteGate> gate = nullptr);

// Loads one source and reads it with a caller-owned engine; a load failure becomes the reading's
// error.
Reading read_source(const ImageSource& source, Engine& engine, const ImageLimits& limits);

}  // namespace crossocr
