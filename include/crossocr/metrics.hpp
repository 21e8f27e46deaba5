// Accuracy metrics for an evaluation run over one labelled set. Computed here and only here, so
// every report and test that quotes an error rate means the same thing by it.
//
// Thread-safety: compute_metrics is a pure function of its arguments; call it from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace crossocr {

// One image of the set: its label, what was read, and what the run said about it.
struct ScoredItem {
  std::string expected;  // the label, UTF-8
  std::string got;       // what was read, UTF-8; ignored when failed (scored as "")
  bool failed = false;   // no reading at all (engine error, timeout)
  bool flagged = false;  // the run marked this reading as doubtful, for a human to check
  std::string status;    // free-form outcome, e.g. "ok", "timeout"; counted when non-empty
  double latency_ms = 0;
  long tokens = 0;
  double confidence = 0;  // the reading's claimed probability of being exactly right
};

// One bin of a reliability table: the items whose confidence fell in [low, high), how sure they
// claimed to be on average and how often they were right.
struct ReliabilityBin {
  double low = 0, high = 0;
  int count = 0;
  double mean_confidence = 0;
  double accuracy = 0;
};

// One point of the coverage-accuracy curve: the items whose confidence reaches `threshold` (what
// --flag-below at that value leaves unflagged on confidence alone): their share of the set and
// how often they were right. Failed items never reach a threshold.
struct CoveragePoint {
  double threshold = 0;
  double coverage = 0;               // items reaching it / images
  std::optional<double> accuracy;    // right among them; empty when none reach it
};

// One entry of the confusion table; an empty side is an insertion or a deletion.
struct Confusion {
  std::string expected;  // one UTF-8 character, empty when something was read that is not there
  std::string got;       // one UTF-8 character, empty when a character was missed
  int count = 0;

  bool operator==(const Confusion&) const = default;
};

// Every rate is a std::optional that is empty when its denominator is zero ("no data", e.g. a
// flag precision when nothing was flagged). Zero or NaN were the alternatives: zero is a real
// and alarming score, and NaN slips silently through comparisons and cannot be written as JSON.
// An empty optional makes each caller decide how to print "not applicable".
//
// "Exact" means right under the set's case rule (the case_sensitive argument of compute_metrics):
// byte for byte when the set carries case, else after to_lower() on every code point. It is what
// the reports' "exact" column shows and what "wrong" is the complement of. "exact_cs" (byte for
// byte) and "exact_ci" (ignoring case) are counted whatever the set's rule. A failed item is
// scored as if it had read "".
struct SetMetrics {
  int images = 0;
  bool case_sensitive = true;  // the case rule the error rates and flag figures below used

  int exact = 0;                        // right under the set's case rule: images - wrong
  std::optional<double> exact_rate;     // exact / images: the reports' "exact" column
  int wrong = 0;                        // not exact
  int exact_cs = 0;                     // identical byte for byte
  std::optional<double> exact_cs_rate;  // exact_cs / images
  int exact_ci = 0;                     // equal ignoring case
  std::optional<double> exact_ci_rate;  // exact_ci / images: the reports' "exact (any case)"

  // Character error rate: summed code-point edit distances over summed expected lengths in code
  // points, under the set's case rule. Can exceed 1 when readings carry extra characters.
  long char_errors = 0;
  long expected_chars = 0;
  std::optional<double> cer;  // char_errors / expected_chars

  // Word error rate: edit distance over sequences of whitespace-separated words.
  long word_errors = 0;
  long expected_words = 0;
  std::optional<double> wer;  // word_errors / expected_words

  // Aligned character pairs that differ only by case ("A" read as "a"). Counted under either
  // case rule: with case_sensitive = false they are not errors, but still worth knowing about.
  int case_errors = 0;

  // The ten most frequent (expected, got) pairs among the substitutions, deletions and
  // insertions of the set's alignments, most frequent first, ties in byte order of expected then
  // got. Case-only pairs are left out when case_sensitive is false.
  std::vector<Confusion> top_confusions;

  // Over all items, failed ones included (a timeout is latency too). Nearest-rank percentiles,
  // so both are observed values; for an even count the median is the lower middle value.
  std::optional<double> latency_median_ms;
  std::optional<double> latency_p95_ms;

  long total_tokens = 0;
  int failures = 0;
  std::map<std::string, int> status_counts;  // items with an empty status are not counted

  // How well the flags point at the wrong readings.
  int flagged = 0;
  std::optional<double> flag_precision;      // wrong among flagged / flagged
  std::optional<double> flag_recall;         // flagged among wrong / wrong
  std::optional<double> unflagged_accuracy;  // exact among unflagged / unflagged
  std::optional<double> coverage;            // unflagged / images

  // Whether the confidences mean what they say: ten equal-width bins of confidence (the last
  // includes 1.0), and the expected calibration error, the count-weighted mean over the bins of
  // |accuracy - mean confidence| (0 is perfect). Failed items count with confidence 0.
  std::vector<ReliabilityBin> reliability;  // only the bins that hold items
  std::optional<double> calibration_error;

  // At thresholds 0.5, 0.7, 0.8, 0.9, 0.95 and 0.99.
  std::vector<CoveragePoint> coverage_curve;
};

SetMetrics compute_metrics(const std::vector<ScoredItem>& items, bool case_sensitive);

}  // namespace crossocr
