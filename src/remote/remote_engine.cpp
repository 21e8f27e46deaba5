#include "remote/remote_engine.hpp"

#include "stage_clock.hpp"

#include "remote/answer_cleaner.hpp"
#include "remote/chat_completions.hpp"
#include "remote/digest.hpp"
#include "remote/http_client.hpp"
#include "remote/reading_cache.hpp"
#include "remote/retry_policy.hpp"
#include "remote/upload_image.hpp"

#include <map>
#include <random>
#include <thread>

namespace crossocr {
namespace {


std::string describe(const remote::ProviderError& e) {
  std::string detail = e.code.empty() ? e.type : e.code;
  return detail.empty() ? e.message : e.message + " (" + detail + ")";
}

// 401/403, and a model the provider does not serve, will fail the same way for every image.
bool is_configuration_fault(long status, const remote::ProviderError& e) {
  return status == 401 || status == 403 || e.code == "model_decommissioned" ||
         e.code == "model_not_found" || (status == 404 && e.type == "model_not_found");
}

struct Attempt {
  remote::ChatAnswer answer;
  Status status;
  int requests = 0;
};

// The answers to one request asked once per sample.
struct Sampling {
  remote::ChatAnswer first;
  std::map<std::string, int> votes;  // cleaned answer -> samples that gave it
  Status status;                     // not ok when not even the first sample was answered
};

std::string request_body(const RemoteOptions& o, const std::string& data_url, double temperature) {
  remote::ChatRequest request;
  request.model = o.model;
  request.prompt = o.prompt;
  request.image_data_url = data_url;
  request.max_tokens = o.max_tokens;
  request.temperature = temperature;
  request.logprobs = o.logprobs;
  return remote::to_request_body(request);
}

// Several samples give the majority answer, trusted as far as the share that agreed; a single
// one is trusted as far as its token probability, or the prior when there is none.
void vote_on_samples(const Sampling& sampling, double prior_confidence, Reading& reading) {
  const remote::ChatAnswer& first = sampling.first;
  reading.remote.raw_answer = first.content;
  reading.remote.finish_reason = first.finish_reason;
  reading.remote.request_id = first.request_id;
  if (!first.model.empty()) reading.remote.model = first.model;
  if (reading.remote.samples > 1) {
    const auto best = std::max_element(sampling.votes.begin(), sampling.votes.end(),
                                       [](const auto& a, const auto& b) { return a.second < b.second; });
    reading.text = best->first;
    reading.confidence = static_cast<double>(best->second) / reading.remote.samples;
    reading.confidence_source = "samples";
  } else {
    reading.text = remote::clean_answer(first.content);
    reading.confidence = first.token_probability.value_or(prior_confidence);
    reading.confidence_source = first.token_probability ? "logprobs" : "prior";
  }
  // An answer cut at max_tokens is usually a model repeating itself: not to be trusted.
  if (first.finish_reason == "length") reading.confidence *= 0.5;
  if (!first.warning.empty()) reading.note = "the provider's " + first.warning;
  if (reading.text.empty()) {
    reading.status = Status(StatusCode::kEngine, "the answer held no text once its wrapping was removed");
  } else if (remote::is_refusal(reading.text)) {
    reading.status = Status(StatusCode::kEngine, "the model declined to read the image: \"" +
                                                     reading.text.substr(0, 120) + "\"");
  }
}

// A provider may echo the request's Authorization header (in an error, or even an answer): the key
// is cut out of everything a reading carries before anyone sees it.
void remove_key(std::string& text, const std::string& key) {
  if (key.size() < 4) return;
  for (std::size_t at; (at = text.find(key)) != std::string::npos;) text.replace(at, key.size(), "[API key]");
}

void remove_key(Reading& r, const std::string& key) {
  remove_key(r.text, key);
  remove_key(r.remote.raw_answer, key);
  remove_key(r.note, key);
  if (!r.status.ok()) {
    std::string message = r.status.message();
    remove_key(message, key);
    r.status = Status(r.status.code(), std::move(message));
  }
}

}  // namespace

RemoteGate::RemoteGate(double requests_per_minute) {
  if (requests_per_minute > 0) {
    spacing_ = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(60.0 / requests_per_minute));
  }
}

// A request starts after any pause a provider asked for (Retry-After) and, with a rate, in the
// next free slot: slots are taken in turn, so threads waiting together start one spacing apart.
void RemoteGate::wait_turn() {
  std::unique_lock lock(mutex_);
  auto until = resume_at_;
  if (spacing_.count() > 0) {
    until = std::max({until, next_slot_, std::chrono::steady_clock::now()});
    next_slot_ = until + spacing_;
  }
  lock.unlock();
  if (until > std::chrono::steady_clock::now()) std::this_thread::sleep_until(until);
}

void RemoteGate::pause_until(std::chrono::steady_clock::time_point until) {
  std::lock_guard lock(mutex_);
  resume_at_ = std::max(resume_at_, until);
}

bool RemoteGate::trip(Status fault) {
  std::lock_guard lock(mutex_);
  if (!fault_.ok()) return false;
  fault_ = std::move(fault);
  return true;
}

void RemoteGate::reset() {
  std::lock_guard lock(mutex_);
  fault_ = Status();
}

bool RemoteGate::note_rate_limited() {
  std::lock_guard lock(mutex_);
  return ++rate_limited_in_a_row_ >= kRateLimitedImages;
}

void RemoteGate::note_answered() {
  std::lock_guard lock(mutex_);
  rate_limited_in_a_row_ = 0;
}

Status RemoteGate::tripped() const {
  std::lock_guard lock(mutex_);
  return fault_;
}

struct RemoteEngine::Impl {
  RemoteOptions options;
  std::shared_ptr<RemoteGate> gate;
  remote::HttpClient http;
  std::unique_ptr<remote::ReadingCache> cache;
  std::mt19937 rng{std::random_device{}()};

  std::string endpoint() const { return options.base_url + "/chat/completions"; }

  std::string cache_key(const std::string& data_url, double temperature) const {
    // Everything that can change the answer; the key itself never leaves this machine.
    return remote::sha256_hex(options.base_url + '\n' + options.model + '\n' + options.prompt +
                              '\n' + std::to_string(options.max_tokens) + '\n' +
                              std::to_string(temperature) + '\n' +
                              std::to_string(options.samples) + '\n' + data_url);
  }

  Attempt ask(const std::string& body) {
    remote::HttpRequest request;
    request.url = endpoint();
    request.headers = {"Content-Type: application/json", "Accept: application/json"};
    if (!options.api_key.empty()) request.headers.push_back("Authorization: Bearer " + options.api_key);
    request.body = body;
    request.timeout_s = options.timeout_s;
    request.connect_timeout_s = options.connect_timeout_s;
    request.max_response_bytes = options.max_response_bytes;

    Attempt attempt;
    for (int retry = 0;; ++retry) {
      gate->wait_turn();
      if (Status fault = gate->tripped(); !fault.ok()) {
        attempt.status = std::move(fault);
        return attempt;
      }
      const remote::HttpResponse response = http.post(request);
      ++attempt.requests;

      std::string failure;
      if (!response.transport_ok()) {
        failure = (response.heard_back() ? "an incomplete answer from " : "no answer from ") + endpoint() + ": " +
                  response.transport_error;
      } else if (response.status == 200) {
        gate->note_answered();
        attempt.answer = remote::parse_answer(response.body);
        if (attempt.answer.error.empty()) return attempt;
        attempt.status = Status(StatusCode::kEngine, attempt.answer.error);  // complete but unusable: not retried
        return attempt;
      } else {
        const remote::ProviderError e = remote::parse_error(response.body);
        failure = "HTTP " + std::to_string(response.status) + " from " + endpoint() + ": " + describe(e);
        if (is_configuration_fault(response.status, e)) {
          std::string fault = failure;
          if (response.status != 401 && response.status != 403) {
            fault += "; model '" + options.model + "' is not served there: choose another with "
                     "--model, or another provider with --provider";
          } else {
            fault += "; check the API key (--api-key-env / --api-key-file)";
          }
          attempt.status = Status(StatusCode::kRemoteConfig, fault);
          gate->trip(attempt.status);
          return attempt;
        }
      }

      // More than can be kept will be as much again: not retried.
      const bool retryable = (!response.transport_ok() && !response.too_large) ||
                             remote::is_retryable_status(response.status);
      const bool allowed = remote::server_says_retry(response.headers).value_or(retryable);
      // An endpoint that refuses connections is down, not busy: one quick second try, no storm.
      const int budget = response.connect_failed ? std::min(options.retries, 1) : options.retries;
      if (!allowed || retry >= budget) {
        attempt.status = Status(StatusCode::kRemoteTransient,
                                failure + (attempt.requests > 1
                                               ? " (after " + std::to_string(attempt.requests) + " attempts)"
                                               : ""));
        if (!response.transport_ok() && !response.heard_back()) {
          // An endpoint that cannot be reached will not be reached for the next image either; one
          // that answered, if not wholly, may answer the next image whole.
          attempt.status = Status(StatusCode::kRemoteUnavailable,
                                  "remote endpoint unavailable: " + attempt.status.message());
          gate->trip(attempt.status);
        } else if (response.status == 429 && gate->note_rate_limited()) {
          // Retry-After honoured for image after image is a quota, not a burst: waiting out every
          // image would stretch the batch by the wait times the images.
          attempt.status = Status(StatusCode::kRemoteUnavailable,
                                  "rate limited: " + attempt.status.message() + ", for " +
                                      std::to_string(RemoteGate::kRateLimitedImages) +
                                      " images in a row; the rest of the batch is not sent (try later, or "
                                      "lower --remote-rate)");
          gate->trip(attempt.status);
        }
        return attempt;
      }
      const auto delay = response.connect_failed
                             ? remote::Milliseconds(250)
                             : remote::server_requested_delay(response.headers)
                                   .value_or(remote::backoff_delay(retry, rng));
      if (response.status == 429) {
        gate->pause_until(std::chrono::steady_clock::now() + delay);  // the limit is per key
      } else {
        std::this_thread::sleep_for(delay);
      }
    }
  }

  // Asks once per sample. A failure after the first answer keeps the answers already in.
  Sampling sample(const std::string& body, RemoteDetails& details) {
    Sampling sampling;
    for (int s = 0; s < std::max(1, options.samples); ++s) {
      Attempt attempt = ask(body);
      details.attempts += attempt.requests;
      if (!attempt.status.ok()) {
        if (s == 0) sampling.status = attempt.status;
        break;
      }
      if (s == 0) sampling.first = attempt.answer;
      ++sampling.votes[remote::clean_answer(attempt.answer.content)];
      details.prompt_tokens += attempt.answer.prompt_tokens;
      details.completion_tokens += attempt.answer.completion_tokens;
      ++details.samples;
    }
    return sampling;
  }
};

RemoteEngine::RemoteEngine(RemoteOptions options, std::shared_ptr<RemoteGate> gate)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->gate = gate ? std::move(gate) : std::make_shared<RemoteGate>();
  if (!impl_->options.cache_path.empty()) {
    std::string error;
    impl_->cache = remote::ReadingCache::open(impl_->options.cache_path, &error);
  }
}

RemoteEngine::~RemoteEngine() = default;

Reading RemoteEngine::read(const LoadedImage& image) {
  const StageTimer timer(Stage::kRemote);
  const auto start = std::chrono::steady_clock::now();
  const RemoteOptions& o = impl_->options;
  Reading reading;
  reading.engine = "remote";
  reading.remote.model = o.model;
  auto finish = [&](Reading& r) -> Reading& {
    remove_key(r, o.api_key);
    r.latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return r;
  };

  if (Status fault = impl_->gate->tripped(); !fault.ok()) {
    reading.status = std::move(fault);
    return finish(reading);
  }
  const remote::UploadImage upload = remote::prepare_upload(image);
  if (!upload.error.empty()) {
    reading.status = Status(StatusCode::kLimit, upload.error);
    return finish(reading);
  }
  // Agreement between samples means something only if the samples can differ.
  const double temperature = o.samples > 1 && o.temperature == 0.0 ? 0.7 : o.temperature;
  const std::string key = impl_->cache_key(upload.data_url, temperature);
  if (impl_->cache) {
    if (auto cached = impl_->cache->find(key)) {
      cached->remote.from_cache = true;
      cached->remote.attempts = 0;
      return finish(*cached);
    }
  }
  if (!o.offline_reason.empty()) {  // no key: the cache was the only source
    reading.status = Status(StatusCode::kRemoteConfig, o.offline_reason);
    return finish(reading);
  }

  const Sampling sampling = impl_->sample(request_body(o, upload.data_url, temperature),
                                          reading.remote);
  if (!sampling.status.ok()) {
    reading.status = sampling.status;
    return finish(reading);
  }
  vote_on_samples(sampling, o.prior_confidence, reading);
  finish(reading);  // the key is out before the reading is stored
  if (impl_->cache && reading.ok()) impl_->cache->store(key, reading);
  return reading;
}

}  // namespace crossocr
