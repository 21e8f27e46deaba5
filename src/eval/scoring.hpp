// What the evaluation files share so that they score and print alike: the one test of a reading
// against its label (under the one case fold, folded() in alignment.hpp), the one way a rate is
// printed. Internal to src/eval.
#pragma once

#include "crossocr/alignment.hpp"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace crossocr::eval {

// Whether `got` is exactly `expected` under a set's case rule: byte for byte when the set carries
// case, else after folding both.
inline bool same_text(std::string_view expected, std::string_view got, bool case_sensitive) {
  return case_sensitive ? expected == got : folded(expected) == folded(got);
}

// "97.5%" with one decimal, "–" for a rate without data: every report and comparison prints
// rates this way.
inline std::string percent(const std::optional<double>& rate) {
  if (!rate) return "–";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", *rate * 100);
  return buf;
}

}  // namespace crossocr::eval
