#include "crossocr/alignment.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>

namespace crossocr {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_continuation(unsigned char b, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
  return b >= lo && b <= hi;
}

void append_utf8(std::string& out, char32_t c) {
  if ((c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF) c = kReplacement;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string utf8_of(char32_t c) {
  std::string s;
  append_utf8(s, c);
  return s;
}

// In these Unicode blocks capitals and small letters alternate; `upper_parity` says whether the
// capital sits on the even or the odd code point.
bool alternating_upper(char32_t c, char32_t first, char32_t last, char32_t upper_parity) {
  return c >= first && c <= last && c % 2 == upper_parity;
}

// Which way the trace-back goes from a cell of the edit-distance table.
enum class Step : std::uint8_t { kDiagonal, kDelete, kInsert };

}  // namespace

std::u32string to_code_points(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto b0 = static_cast<unsigned char>(utf8[i]);
    if (b0 < 0x80) {
      out += static_cast<char32_t>(b0);
      ++i;
      continue;
    }
    // Lead byte: how many continuation bytes follow, the lead's payload, and the allowed range
    // of the first continuation byte (which is what rules out overlongs, surrogates and values
    // above U+10FFFF).
    int need = 0;
    char32_t cp = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      need = 1;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      need = 2;
      cp = b0 & 0x0F;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      need = 3;
      cp = b0 & 0x07;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      out += kReplacement;  // a stray continuation byte or a lead that can never be valid
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    bool ok = true;
    for (int k = 0; k < need; ++k, ++j) {
      const bool in_range = j < utf8.size() &&
                            (k == 0 ? is_continuation(static_cast<unsigned char>(utf8[j]), lo, hi)
                                    : is_continuation(static_cast<unsigned char>(utf8[j])));
      if (!in_range) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[j]) & 0x3F);
    }
    // A truncated sequence is one U+FFFD for the bytes that were still plausible; decoding
    // resumes at the byte that broke it.
    out += ok ? cp : kReplacement;
    i = j;
  }
  return out;
}

std::string to_utf8(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (char32_t c : code_points) append_utf8(out, c);
  return out;
}

char32_t to_lower(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;  // 0xD7 is the multiplication sign
  if (c == 0x130) return 'i';  // dotted capital I; its full lower case needs two code points
  if (c == 0x178) return 0xFF;
  if (alternating_upper(c, 0x100, 0x12F, 0) || alternating_upper(c, 0x132, 0x137, 0) ||
      alternating_upper(c, 0x139, 0x148, 1) || alternating_upper(c, 0x14A, 0x177, 0) ||
      alternating_upper(c, 0x179, 0x17E, 1)) {
    return c + 1;
  }
  if (c == 0x386) return 0x3AC;
  if (c >= 0x388 && c <= 0x38A) return c + 0x25;
  if (c == 0x38C) return 0x3CC;
  if (c == 0x38E || c == 0x38F) return c + 0x3F;
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 0x20;
  if (c >= 0x400 && c <= 0x40F) return c + 0x50;
  if (c >= 0x410 && c <= 0x42F) return c + 0x20;
  if (alternating_upper(c, 0x460, 0x481, 0) || alternating_upper(c, 0x48A, 0x4BF, 0) ||
      alternating_upper(c, 0x4D0, 0x52F, 0)) {
    return c + 1;
  }
  if (c >= 0x531 && c <= 0x556) return c + 0x30;
  if (c == 0x1E9E) return 0xDF;  // capital sharp s
  if (alternating_upper(c, 0x1E00, 0x1E95, 0) || alternating_upper(c, 0x1EA0, 0x1EFF, 0)) {
    return c + 1;
  }
  if (c >= 0xFF21 && c <= 0xFF3A) return c + 0x20;
  return c;
}

std::u32string folded(std::u32string code_points) {
  for (char32_t& c : code_points) c = to_lower(c);
  return code_points;
}

std::u32string folded(std::string_view utf8) { return folded(to_code_points(utf8)); }

std::vector<AlignedPair> align(std::string_view left, std::string_view right,
                               bool case_sensitive) {
  const std::u32string a = to_code_points(left);
  const std::u32string b = to_code_points(right);
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  const auto same = [case_sensitive](char32_t x, char32_t y) {
    return x == y || (!case_sensitive && to_lower(x) == to_lower(y));
  };

  // Two rows of distances are enough; the full table only needs to remember the step taken,
  // one byte a cell. Choosing the step while filling, in the order diagonal, delete, insert,
  // gives the same alignment as a trace-back that tries them in that order.
  std::vector<Step> steps((n + 1) * (m + 1), Step::kDiagonal);
  const auto step = [&steps, m](std::size_t i, std::size_t j) -> Step& {
    return steps[i * (m + 1) + j];
  };
  std::vector<std::size_t> prev(m + 1);
  std::vector<std::size_t> cur(m + 1);
  std::iota(prev.begin(), prev.end(), std::size_t{0});
  for (std::size_t j = 1; j <= m; ++j) step(0, j) = Step::kInsert;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    step(i, 0) = Step::kDelete;
    for (std::size_t j = 1; j <= m; ++j) {
      std::size_t best = prev[j - 1] + (same(a[i - 1], b[j - 1]) ? 0 : 1);
      Step chosen = Step::kDiagonal;
      if (prev[j] + 1 < best) {
        best = prev[j] + 1;
        chosen = Step::kDelete;
      }
      if (cur[j - 1] + 1 < best) {
        best = cur[j - 1] + 1;
        chosen = Step::kInsert;
      }
      cur[j] = best;
      step(i, j) = chosen;
    }
    std::swap(prev, cur);
  }

  std::vector<AlignedPair> pairs;
  pairs.reserve(std::max(n, m));
  std::size_t i = n;
  std::size_t j = m;
  while (i > 0 || j > 0) {
    AlignedPair p;
    switch (step(i, j)) {
      case Step::kDiagonal:
        --i;
        --j;
        p.op = same(a[i], b[j]) ? EditOp::kMatch : EditOp::kSubstitute;
        p.left = utf8_of(a[i]);
        p.right = utf8_of(b[j]);
        p.left_index = static_cast<int>(i);
        p.right_index = static_cast<int>(j);
        break;
      case Step::kDelete:
        --i;
        p.op = EditOp::kDelete;
        p.left = utf8_of(a[i]);
        p.left_index = static_cast<int>(i);
        break;
      case Step::kInsert:
        --j;
        p.op = EditOp::kInsert;
        p.right = utf8_of(b[j]);
        p.right_index = static_cast<int>(j);
        break;
    }
    pairs.push_back(std::move(p));
  }
  std::reverse(pairs.begin(), pairs.end());
  return pairs;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  return edit_distance(to_code_points(a), to_code_points(b));
}

std::size_t edit_distance(std::u32string_view a, std::u32string_view b) {
  std::vector<std::size_t> prev(b.size() + 1);
  std::vector<std::size_t> cur(b.size() + 1);
  std::iota(prev.begin(), prev.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({substitute, prev[j] + 1, cur[j - 1] + 1});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace crossocr
