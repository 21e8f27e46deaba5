// RemoteEngine: reads an image with a vision LLM behind an OpenAI-compatible chat-completions
// endpoint (Groq by default, as in the seed request). Not thread-safe: one per thread; threads of
// one batch share a RemoteGate so that a rate limit or a configuration fault seen by one applies
// to all.
#pragma once

#include "engine.hpp"
#include "crossocr/image_loader.hpp"
#include "crossocr/options.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace crossocr {



// Shared by the engines of one batch: waits imposed by rate limits, and the first fault that makes
// every further request pointless (bad key, retired model, unreachable endpoint).
class RemoteGate {
 public:
  // requests_per_minute > 0 spaces the requests of every engine sharing the gate evenly.
  explicit RemoteGate(double requests_per_minute = 0.0);
  void wait_turn();
  void pause_until(std::chrono::steady_clock::time_point until);
  // Records a fault that ends the remote side for this batch; true for the first caller only, so
  // the fault can be reported once.
  bool trip(Status fault);
  Status tripped() const;  // the fault, or ok
  // Forgets the fault: a new batch tries the remote side again.
  void reset();
  // An image given up on because the provider kept answering 429: true when that has happened to
  // kRateLimitedImages images in a row, none answered between (a quota, not a burst).
  bool note_rate_limited();
  void note_answered();  // an answer came: the run of rate-limited images is broken
  static constexpr int kRateLimitedImages = 3;

 private:
  mutable std::mutex mutex_;
  std::chrono::steady_clock::time_point resume_at_{};
  std::chrono::steady_clock::duration spacing_{};     // between two requests' starts
  std::chrono::steady_clock::time_point next_slot_{};  // the earliest start of the next request
  Status fault_;
  int rate_limited_in_a_row_ = 0;
};

class RemoteEngine : public Engine {
 public:
  explicit RemoteEngine(RemoteOptions options, std::shared_ptr<RemoteGate> gate = nullptr);
  ~RemoteEngine() override;
  RemoteEngine(const RemoteEngine&) = delete;
  RemoteEngine& operator=(const RemoteEngine&) = delete;

  // Sends the original file when the provider accepts it as it is.
  Reading read(const LoadedImage& image) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crossocr
