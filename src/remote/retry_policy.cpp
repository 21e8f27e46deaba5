#include "remote/retry_policy.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <iomanip>
#include <sstream>

namespace crossocr::remote {
namespace {

std::optional<double> parse_number(const std::string& text) {
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used != text.size() || !std::isfinite(value) || value < 0) return std::nullopt;
    return value;
  } catch (...) {
    return std::nullopt;
  }
}

// RFC 9110 IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
// Seconds since the epoch, not a time_point: a far date (year 9999) overflows nanoseconds.
std::optional<std::time_t> parse_http_date(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in.imbue(std::locale::classic());
  in >> std::get_time(&tm, "%a, %d %b %Y %H:%M:%S GMT");
  if (in.fail()) return std::nullopt;
  return timegm(&tm);
}

}  // namespace

bool is_retryable_status(long status) {
  return status == 0 || status == 408 || status == 409 || status == 429 || status == 498 ||
         status >= 500;
}

std::optional<Milliseconds> server_requested_delay(const std::map<std::string, std::string>& headers,
                                                   std::chrono::system_clock::time_point now,
                                                   Milliseconds cap) {
  // Compared as doubles before any conversion: a hostile 1e300 or year 9999 must not overflow.
  std::optional<double> ms;
  if (auto it = headers.find("retry-after-ms"); it != headers.end()) ms = parse_number(it->second);
  if (!ms) {
    if (auto it = headers.find("retry-after"); it != headers.end()) {
      if (auto seconds = parse_number(it->second)) {
        ms = *seconds * 1000.0;
      } else if (auto when = parse_http_date(it->second)) {
        const double seconds_away = std::difftime(*when, std::chrono::system_clock::to_time_t(now));
        ms = std::max(0.0, seconds_away * 1000.0);
      }
    }
  }
  if (!ms || *ms > static_cast<double>(cap.count())) return std::nullopt;  // not worth blocking a batch on
  return Milliseconds(static_cast<long long>(*ms));
}

std::optional<bool> server_says_retry(const std::map<std::string, std::string>& headers) {
  const auto it = headers.find("x-should-retry");
  if (it == headers.end()) return std::nullopt;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  return std::nullopt;
}

Milliseconds backoff_delay(int attempt, std::mt19937& rng, Milliseconds initial, Milliseconds cap) {
  const double base = std::min<double>(static_cast<double>(cap.count()),
                                       initial.count() * std::pow(2.0, std::max(0, attempt)));
  std::uniform_real_distribution<double> jitter(base / 2, base);
  return Milliseconds(static_cast<long long>(jitter(rng)));
}

}  // namespace crossocr::remote
