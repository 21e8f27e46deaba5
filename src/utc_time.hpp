// The one way crossocr stamps a time into what it writes (reports, stored priors).
#pragma once

#include <ctime>
#include <string>

namespace crossocr {

// Now, in UTC, as ISO 8601 to the second: "2026-12-01T21:47:42Z".
inline std::string utc_now_iso8601() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);  // not std::gmtime: its buffer is shared between threads
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace crossocr
