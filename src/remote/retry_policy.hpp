// When to try a chat-completions request again, and after how long. Pure functions: the rules of
// Groq's and OpenAI's official clients, checked in tests without a network.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <string>

namespace crossocr::remote {

using Milliseconds = std::chrono::milliseconds;

// 408, 409, 429, 498 (Groq flex tier: capacity_exceeded) and every 5xx are worth another try;
// 400, 401, 403, 404, 413, 422 and the rest describe the request itself and would fail again.
// A transport failure (status 0: refused, reset, timed out) is retried too.
bool is_retryable_status(long status);

// The wait the server asked for: `retry-after-ms`, else `Retry-After` in seconds or as an HTTP
// date (relative to `now`). Nothing when absent, unparsable or beyond `cap`.
std::optional<Milliseconds> server_requested_delay(
    const std::map<std::string, std::string>& headers,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
    Milliseconds cap = std::chrono::seconds(60));

// `x-should-retry: true|false`, when the server says so explicitly.
std::optional<bool> server_says_retry(const std::map<std::string, std::string>& headers);

// Exponential backoff with full jitter: uniform in [base/2, base] where base = initial * 2^attempt,
// capped. `attempt` counts from 0 for the first retry.
Milliseconds backoff_delay(int attempt, std::mt19937& rng, Milliseconds initial = Milliseconds(500),
                           Milliseconds cap = std::chrono::seconds(8));

}  // namespace crossocr::remote
