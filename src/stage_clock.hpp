// Where a batch's time goes, stage by stage, summed over every thread of the process: decoding,
// preprocessing, finding lines, each network, Tesseract, the remote side, writing results.
// `crossocr --stage-times` prints the totals (tools/bench.py reads them); counting costs two clock
// reads per stage call, so it is always on.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace crossocr {

enum class Stage { kDecode, kPreprocess, kLineFinder, kLineReader, kStripRecognizer, kTesseract, kRemote, kOutput };
inline constexpr std::size_t kStageCount = 8;

std::string_view stage_name(Stage stage);

struct StageTotal {
  double ms = 0.0;          // summed over threads: CPU-like time, not wall time
  std::uint64_t calls = 0;
};

void add_stage_time(Stage stage, std::chrono::steady_clock::duration spent);
StageTotal stage_total(Stage stage);

// Times its own scope as one call of `stage`.
class StageTimer {
 public:
  explicit StageTimer(Stage stage) : stage_(stage), start_(std::chrono::steady_clock::now()) {}
  ~StageTimer() { add_stage_time(stage_, std::chrono::steady_clock::now() - start_); }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  Stage stage_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace crossocr
