// RemoteEngine: reads an image with a vision LLM behind an OpenAI-compatible chat-completions
// endpoint (Groq by default, as in the seed request). Not thread-safe: one per thread; threads of
// one batch share a RemoteGate so that a rate limit or a configuration fault seen by one applies
// to all.
#pragma once

#include "crossocr/engine.hpp"
#include "crossocr/image_loader.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>

namespace crossocr {

// A provider's endpoint, the variable its key usually lives in, and how it names the seed's model.
struct ProviderPreset {
  std::string_view name;
  std::string_view base_url;
  std::string_view key_env;       // empty: the server needs no key
  std::string_view model;         // Llama 4 Scout under this provider's name
  bool accepts_logprobs = false;  // Groq answers 400 to `logprobs`
};

std::span<const ProviderPreset> provider_presets();
const ProviderPreset* find_provider(std::string_view name);  // nullptr when unknown

inline constexpr std::string_view kSeedPrompt =
    "This is an image, extract and return only text exactly as show,preserving case";

struct RemoteOptions {
  std::string provider = "groq";
  std::string base_url = "https://api.groq.com/openai/v1";
  std::string model = "meta-llama/llama-4-scout-17b-16e-instruct";
  std::string prompt = std::string(kSeedPrompt);
  int max_tokens = 500;
  double temperature = 0.0;
  double timeout_s = 30.0;          // per attempt, connection included
  double connect_timeout_s = 10.0;
  int retries = 2;                  // further attempts after the first
  // The key: given here by a library user, or found by find_api_key() in the file or variable
  // below (the CLI's way: a key never passes through argv). Never printed or logged.
  std::string api_key;
  std::string api_key_env;          // empty: the provider's usual variable (GROQ_API_KEY, ...)
  std::string api_key_file;         // first line is the key; wins over the variable
  int samples = 1;                  // >1: ask several times, confidence from agreement
  bool logprobs = false;            // ask for token log-probabilities (if the provider accepts)
  // Used when neither logprobs nor samples give a confidence: how often a vision LLM's answer is
  // exactly right on short text in practice (see README, "Confidence of remote readings").
  double prior_confidence = 0.75;
  std::uint64_t max_response_bytes = 1ull << 20;
  std::string cache_path;           // empty: no cache
  // Non-empty: no request may be made (e.g. no API key); readings come from the cache only, and
  // an image not there fails with this reason.
  std::string offline_reason;
};

// Shared by the engines of one batch: waits imposed by rate limits, and the first fault that makes
// every further request pointless (bad key, retired model, unreachable endpoint).
class RemoteGate {
 public:
  void wait_turn();
  void pause_until(std::chrono::steady_clock::time_point until);
  // Records a fault that ends the remote side for this batch; true for the first caller only, so
  // the fault can be reported once.
  bool trip(const std::string& reason);
  std::string tripped() const;  // the fault, or empty

 private:
  mutable std::mutex mutex_;
  std::chrono::steady_clock::time_point resume_at_{};
  std::string fault_;
};

// $XDG_CACHE_HOME/crossocr/remote.sqlite, else ~/.cache/crossocr/remote.sqlite.
std::string default_remote_cache_path();

// Options for a provider preset: its endpoint, its name for the seed's model, whether it takes
// logprobs and the variable its key usually lives in; everything else at its default. Throws
// ConfigError naming the known presets when `provider` is not one.
RemoteOptions for_provider(std::string_view provider);

// Fills options.api_key from api_key_file, else from the variable api_key_env (else the
// provider's), unless a key was given. Returns why no key could be found when one is needed (a
// keyless preset such as ollama, or a loopback endpoint, needs none); empty when all is well.
// The message names where to put a key, never a key.
std::string find_api_key(RemoteOptions& options);

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
