#include "stage_clock.hpp"

#include <atomic>

namespace crossocr {
namespace {

struct Counter {
  std::atomic<std::int64_t> nanoseconds{0};
  std::atomic<std::uint64_t> calls{0};
};

std::array<Counter, kStageCount>& counters() {
  static std::array<Counter, kStageCount> all;
  return all;
}

}  // namespace

std::string_view stage_name(Stage stage) {
  static constexpr std::array<std::string_view, kStageCount> names = {
      "decode", "preprocess", "line-finder", "line-reader", "strip-recognizer", "tesseract", "remote", "output"};
  return names[static_cast<std::size_t>(stage)];
}

void add_stage_time(Stage stage, std::chrono::steady_clock::duration spent) {
  Counter& c = counters()[static_cast<std::size_t>(stage)];
  c.nanoseconds.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(spent).count(), std::memory_order_relaxed);
  c.calls.fetch_add(1, std::memory_order_relaxed);
}

StageTotal stage_total(Stage stage) {
  const Counter& c = counters()[static_cast<std::size_t>(stage)];
  return StageTotal{static_cast<double>(c.nanoseconds.load(std::memory_order_relaxed)) / 1e6,
                    c.calls.load(std::memory_order_relaxed)};
}

}  // namespace crossocr
