#include "crossocr/metrics.hpp"

#include "crossocr/alignment.hpp"
#include "eval/scoring.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace crossocr {
namespace {


constexpr std::size_t kTopConfusions = 10;
constexpr int kReliabilityBins = 10;

std::optional<double> ratio(long numerator, long denominator) {
  if (denominator == 0) return std::nullopt;
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}

// ASCII whitespace plus the Unicode spaces labels and engines actually produce (no-break,
// ideographic, the typographic widths); zero-width characters are not word breaks.
bool is_space(char32_t c) {
  return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

std::vector<std::u32string> words_of(const std::u32string& text) {
  std::vector<std::u32string> words;
  std::u32string word;
  for (char32_t c : text) {
    if (!is_space(c)) {
      word += c;
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// Word error count: each distinct word gets a number, and the two number sequences go through
// the same Levenshtein distance as characters do.
long word_edit_distance(const std::u32string& expected, const std::u32string& got) {
  std::map<std::u32string, char32_t> ids;
  const auto intern = [&ids](const std::vector<std::u32string>& words) {
    std::u32string symbols;
    for (const std::u32string& w : words) {
      symbols += ids.emplace(w, static_cast<char32_t>(ids.size())).first->second;
    }
    return symbols;
  };
  const std::u32string e = intern(words_of(expected));
  const std::u32string g = intern(words_of(got));
  return static_cast<long>(edit_distance(e, g));
}

bool differs_only_by_case(const AlignedPair& p) {
  if (p.left.empty() || p.right.empty() || p.left == p.right) return false;
  return folded(p.left) == folded(p.right);
}

// Nearest rank: the smallest value with at least `percent`% of the values at or below it.
// Integer arithmetic, so 95% of 20 is rank 19 and not 19.000000000000004 rounded up to 20.
double nearest_rank(const std::vector<double>& sorted, long percent) {
  const long n = static_cast<long>(sorted.size());
  const long rank = std::max(1L, (percent * n + 99) / 100);
  return sorted[static_cast<std::size_t>(rank - 1)];
}

// What was read, as scored: a failed item read nothing.
const std::string& scored_text(const ScoredItem& item) {
  static const std::string nothing;
  return item.failed ? nothing : item.got;
}

// How often each (expected, got) pair of the alignments occurred.
using ConfusionCounts = std::map<std::pair<std::string, std::string>, int>;

// The ten most frequent pairs. The map already iterates in byte order of (expected, got); a stable
// sort by count keeps that order among equal counts.
std::vector<Confusion> most_frequent(const ConfusionCounts& counts) {
  std::vector<Confusion> top;
  for (const auto& [pair, count] : counts) top.push_back(Confusion{pair.first, pair.second, count});
  std::stable_sort(top.begin(), top.end(),
                   [](const Confusion& a, const Confusion& b) { return a.count > b.count; });
  if (top.size() > kTopConfusions) top.resize(kTopConfusions);
  return top;
}

// Exact matches, character and word errors, confusions, tokens, failures and statuses. Returns
// whether each item is right under the set's case rule, for the flag and reliability figures.
std::vector<bool> count_readings(const std::vector<ScoredItem>& items, SetMetrics& m) {
  const bool case_sensitive = m.case_sensitive;
  std::vector<bool> right;
  right.reserve(items.size());
  ConfusionCounts confusions;
  for (const ScoredItem& item : items) {
    const std::string& got = scored_text(item);
    const std::u32string expected_cp = to_code_points(item.expected);
    const std::u32string got_cp = to_code_points(got);
    const std::u32string expected_lower = folded(expected_cp);
    const std::u32string got_lower = folded(got_cp);

    const bool exact_cs = item.expected == got;
    const bool exact_ci = expected_lower == got_lower;
    right.push_back(case_sensitive ? exact_cs : exact_ci);
    m.exact_cs += exact_cs ? 1 : 0;
    m.exact_ci += exact_ci ? 1 : 0;
    m.exact += right.back() ? 1 : 0;

    for (const AlignedPair& p : align(item.expected, got, case_sensitive)) {
      if (differs_only_by_case(p)) ++m.case_errors;
      if (p.op == EditOp::kMatch) continue;
      ++m.char_errors;
      ++confusions[{p.left, p.right}];
    }
    m.expected_chars += static_cast<long>(expected_cp.size());
    m.word_errors += case_sensitive ? word_edit_distance(expected_cp, got_cp)
                                    : word_edit_distance(expected_lower, got_lower);
    m.expected_words += static_cast<long>(words_of(expected_cp).size());

    m.total_tokens += item.tokens;
    m.failures += item.failed ? 1 : 0;
    if (!item.status.empty()) ++m.status_counts[item.status];
  }
  m.wrong = m.images - m.exact;
  m.exact_rate = ratio(m.exact, m.images);
  m.exact_cs_rate = ratio(m.exact_cs, m.images);
  m.exact_ci_rate = ratio(m.exact_ci, m.images);
  m.cer = ratio(m.char_errors, m.expected_chars);
  m.wer = ratio(m.word_errors, m.expected_words);
  m.top_confusions = most_frequent(confusions);
  return right;
}

// Over all items, failed ones included: a timeout is latency too.
void add_latency_percentiles(const std::vector<ScoredItem>& items, SetMetrics& m) {
  if (items.empty()) return;
  std::vector<double> latencies;
  latencies.reserve(items.size());
  for (const ScoredItem& item : items) latencies.push_back(item.latency_ms);
  std::sort(latencies.begin(), latencies.end());
  m.latency_median_ms = nearest_rank(latencies, 50);
  m.latency_p95_ms = nearest_rank(latencies, 95);
}

// How well the flags point at the wrong readings.
void add_flag_statistics(const std::vector<ScoredItem>& items, const std::vector<bool>& right,
                         SetMetrics& m) {
  int wrong_flagged = 0;
  int exact_unflagged = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].flagged) {
      ++m.flagged;
      wrong_flagged += right[i] ? 0 : 1;
    } else {
      exact_unflagged += right[i] ? 1 : 0;
    }
  }
  const int unflagged = m.images - m.flagged;
  m.flag_precision = ratio(wrong_flagged, m.flagged);
  m.flag_recall = ratio(wrong_flagged, m.wrong);
  m.unflagged_accuracy = ratio(exact_unflagged, unflagged);
  m.coverage = ratio(unflagged, m.images);
}

// The reliability table and the expected calibration error. A failed item claimed nothing: it
// counts with confidence 0.
void add_reliability(const std::vector<ScoredItem>& items, const std::vector<bool>& right,
                     SetMetrics& m) {
  std::vector<ReliabilityBin> bins(kReliabilityBins);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const double confidence = items[i].failed ? 0.0 : std::clamp(items[i].confidence, 0.0, 1.0);
    ReliabilityBin& bin =
        bins[std::min(kReliabilityBins - 1, static_cast<int>(confidence * kReliabilityBins))];
    ++bin.count;
    bin.mean_confidence += confidence;
    bin.accuracy += right[i] ? 1 : 0;
  }
  double gap = 0.0;
  for (int b = 0; b < kReliabilityBins; ++b) {
    ReliabilityBin& bin = bins[b];
    if (bin.count == 0) continue;
    bin.low = static_cast<double>(b) / kReliabilityBins;
    bin.high = static_cast<double>(b + 1) / kReliabilityBins;
    bin.mean_confidence /= bin.count;
    bin.accuracy /= bin.count;
    gap += bin.count * std::abs(bin.accuracy - bin.mean_confidence);
    m.reliability.push_back(bin);
  }
  if (m.images > 0) m.calibration_error = gap / m.images;
}

void add_coverage_curve(const std::vector<ScoredItem>& items, const std::vector<bool>& right, SetMetrics& m) {
  for (const double threshold : {0.5, 0.7, 0.8, 0.9, 0.95, 0.99}) {
    int reach = 0, reach_right = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (items[i].failed || items[i].confidence < threshold) continue;
      ++reach;
      reach_right += right[i] ? 1 : 0;
    }
    m.coverage_curve.push_back({threshold, ratio(reach, m.images).value_or(0.0), ratio(reach_right, reach)});
  }
}

}  // namespace

SetMetrics compute_metrics(const std::vector<ScoredItem>& items, bool case_sensitive) {
  SetMetrics m;
  m.images = static_cast<int>(items.size());
  m.case_sensitive = case_sensitive;
  const std::vector<bool> right = count_readings(items, m);
  add_latency_percentiles(items, m);
  add_flag_statistics(items, right, m);
  add_reliability(items, right, m);
  add_coverage_curve(items, right, m);
  return m;
}

}  // namespace crossocr
