// Every expected figure below is worked by hand in the comment next to it. Rates are compared
// with EXPECT_EQ on purpose: a division is correctly rounded, so 1/5 computed is exactly 0.2.
#include "crossocr/metrics.hpp"

#include <gtest/gtest.h>

#include <tuple>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace crossocr {
namespace {

ScoredItem item(std::string expected, std::string got) {
  ScoredItem it;
  it.expected = std::move(expected);
  it.got = std::move(got);
  return it;
}

ScoredItem flagged(std::string expected, std::string got) {
  ScoredItem it = item(std::move(expected), std::move(got));
  it.flagged = true;
  return it;
}

ScoredItem timed(double latency_ms) {
  ScoredItem it = item("a", "a");
  it.latency_ms = latency_ms;
  return it;
}

ScoredItem sure(std::string expected, std::string got, double confidence) {
  ScoredItem it = item(std::move(expected), std::move(got));
  it.confidence = confidence;
  return it;
}

// Bins of width 0.1. Bin 0.9-1.0 holds 0.95, 0.95, 1.0 (mean 2.9/3), 2 of 3 right; bin 0.2-0.3
// holds 0.25 and 0.25, 1 of 2 right; a failed item counts at confidence 0, wrong (bin 0.0-0.1).
// ECE = (3 * |2/3 - 2.9/3| + 2 * |0.5 - 0.25| + 1 * |0 - 0|) / 6 = (0.9 + 0.5) / 6.
TEST(Metrics, ReliabilityBinsAndExpectedCalibrationError) {
  ScoredItem failed = sure("a", "a", 0.9);
  failed.failed = true;
  const SetMetrics m = compute_metrics({sure("a", "a", 0.95), sure("b", "b", 0.95), sure("c", "x", 1.0),
                                        sure("d", "d", 0.25), sure("e", "y", 0.25), failed},
                                       true);
  ASSERT_EQ(m.reliability.size(), 3u);
  EXPECT_EQ(m.reliability[0].count, 1);
  EXPECT_DOUBLE_EQ(m.reliability[0].accuracy, 0.0);
  EXPECT_EQ(m.reliability[1].count, 2);
  EXPECT_DOUBLE_EQ(m.reliability[1].low, 0.2);
  EXPECT_DOUBLE_EQ(m.reliability[1].mean_confidence, 0.25);
  EXPECT_DOUBLE_EQ(m.reliability[1].accuracy, 0.5);
  EXPECT_EQ(m.reliability[2].count, 3);
  EXPECT_NEAR(m.reliability[2].mean_confidence, 2.9 / 3, 1e-12);
  ASSERT_TRUE(m.calibration_error.has_value());
  EXPECT_NEAR(*m.calibration_error, 1.4 / 6, 1e-12);
  EXPECT_FALSE(compute_metrics({}, true).calibration_error.has_value());
}

// The coverage-accuracy curve: at each threshold, the share of the set whose confidence reaches it
// and how often those were right; a failed item never reaches one.
TEST(Metrics, CoverageCurveCountsWhatEachThresholdLeavesUnflagged) {
  std::vector<ScoredItem> items;
  for (const auto& [expected, got, confidence] :
       std::vector<std::tuple<std::string, std::string, double>>{
           {"a", "a", 0.99}, {"b", "b", 0.92}, {"c", "x", 0.91}, {"d", "d", 0.6}, {"e", "y", 0.3}}) {
    ScoredItem it = item(expected, got);
    it.confidence = confidence;
    items.push_back(it);
  }
  ScoredItem failed = item("f", "");
  failed.failed = true;
  failed.confidence = 1.0;
  items.push_back(failed);
  const SetMetrics m = compute_metrics(items, true);
  ASSERT_EQ(m.coverage_curve.size(), 6u);
  const CoveragePoint& at_half = m.coverage_curve[0];
  EXPECT_DOUBLE_EQ(at_half.threshold, 0.5);
  EXPECT_DOUBLE_EQ(at_half.coverage, 4.0 / 6);
  EXPECT_DOUBLE_EQ(*at_half.accuracy, 3.0 / 4);
  const CoveragePoint& at_ninety = m.coverage_curve[3];
  EXPECT_DOUBLE_EQ(at_ninety.threshold, 0.9);
  EXPECT_DOUBLE_EQ(at_ninety.coverage, 3.0 / 6);
  EXPECT_DOUBLE_EQ(*at_ninety.accuracy, 2.0 / 3);
  EXPECT_DOUBLE_EQ(*m.coverage_curve[5].accuracy, 1.0);  // 0.99: the one sure and right
}

TEST(Metrics, OneSubstitution) {
  // ZGUVU read as ZGUVV: 1 substitution (U>V) over 5 expected characters, CER 1/5 = 0.2.
  // One word, and it is wrong: WER 1/1 = 1.
  const SetMetrics m = compute_metrics({item("ZGUVU", "ZGUVV")}, true);
  EXPECT_EQ(m.images, 1);
  EXPECT_EQ(m.exact, 0);
  EXPECT_EQ(m.exact_rate, 0.0);
  EXPECT_EQ(m.exact_ci_rate, 0.0);
  EXPECT_EQ(m.wrong, 1);
  EXPECT_EQ(m.char_errors, 1);
  EXPECT_EQ(m.expected_chars, 5);
  EXPECT_EQ(m.cer, 0.2);
  EXPECT_EQ(m.word_errors, 1);
  EXPECT_EQ(m.expected_words, 1);
  EXPECT_EQ(m.wer, 1.0);
  EXPECT_EQ(m.case_errors, 0);
  EXPECT_EQ(m.top_confusions, (std::vector<Confusion>{{"U", "V", 1}}));
  // Not a case difference, so case-insensitive scoring gives the same error rate.
  EXPECT_EQ(compute_metrics({item("ZGUVU", "ZGUVV")}, false).cer, 0.2);
}

TEST(Metrics, IdenticalReadingsScorePerfectly) {
  // 2 of 2 exact; 0 errors over 3 + 11 = 14 characters and 1 + 2 = 3 words.
  const SetMetrics m = compute_metrics({item("ABC", "ABC"), item("hello world", "hello world")},
                                       true);
  EXPECT_EQ(m.exact, 2);
  EXPECT_EQ(m.exact_rate, 1.0);
  EXPECT_EQ(m.exact_ci_rate, 1.0);
  EXPECT_EQ(m.wrong, 0);
  EXPECT_EQ(m.expected_chars, 14);
  EXPECT_EQ(m.cer, 0.0);
  EXPECT_EQ(m.expected_words, 3);
  EXPECT_EQ(m.wer, 0.0);
  EXPECT_TRUE(m.top_confusions.empty());
}

TEST(Metrics, CaseOnlyDifferenceIsACaseErrorAndExactOnlyIgnoringCase) {
  const std::vector<ScoredItem> items = {item("Abc", "abc"), item("XY", "XY")};
  // Case-sensitive: exact 1/2; ignoring case 2/2. One error (A>a) over 3 + 2 = 5 characters,
  // CER 0.2; one wrong word of 1 + 1 = 2, WER 0.5. A>a differs only by case: 1 case error.
  const SetMetrics cs = compute_metrics(items, true);
  EXPECT_EQ(cs.exact, 1);
  EXPECT_EQ(cs.exact_rate, 0.5);
  EXPECT_EQ(cs.exact_cs, 1);
  EXPECT_EQ(cs.exact_cs_rate, 0.5);
  EXPECT_EQ(cs.exact_ci, 2);
  EXPECT_EQ(cs.exact_ci_rate, 1.0);
  EXPECT_EQ(cs.wrong, 1);
  EXPECT_EQ(cs.cer, 0.2);
  EXPECT_EQ(cs.wer, 0.5);
  EXPECT_EQ(cs.case_errors, 1);
  EXPECT_EQ(cs.top_confusions, (std::vector<Confusion>{{"A", "a", 1}}));
  EXPECT_TRUE(cs.case_sensitive);

  // Case-insensitive set: nothing is wrong, exact is 2/2, CER and WER 0, yet the case error is
  // still counted and exact_cs stays 1/2.
  const SetMetrics ci = compute_metrics(items, false);
  EXPECT_EQ(ci.exact, 2);
  EXPECT_EQ(ci.exact_rate, 1.0);
  EXPECT_EQ(ci.exact_cs, 1);
  EXPECT_EQ(ci.exact_cs_rate, 0.5);
  EXPECT_EQ(ci.exact_ci_rate, 1.0);
  EXPECT_EQ(ci.wrong, 0);
  EXPECT_EQ(ci.char_errors, 0);
  EXPECT_EQ(ci.cer, 0.0);
  EXPECT_EQ(ci.wer, 0.0);
  EXPECT_EQ(ci.case_errors, 1);
  EXPECT_TRUE(ci.top_confusions.empty());
  EXPECT_FALSE(ci.case_sensitive);
}

TEST(Metrics, CaseInsensitiveSetsLowerCaseBeyondAscii) {
  // ÄRGER vs ärger: equal once lower-cased. 5 aligned pairs, all differ only by case.
  const SetMetrics m = compute_metrics({item("ÄRGER", "ärger")}, false);
  EXPECT_EQ(m.exact, 1);
  EXPECT_EQ(m.exact_cs, 0);
  EXPECT_EQ(m.exact_ci, 1);
  EXPECT_EQ(m.wrong, 0);
  EXPECT_EQ(m.cer, 0.0);
  EXPECT_EQ(m.case_errors, 5);
  // Case-sensitive, the same pair is 5 substitutions of 5 characters: CER 1.
  EXPECT_EQ(compute_metrics({item("ÄRGER", "ärger")}, true).cer, 1.0);
}

TEST(Metrics, FailedItemsAreWrongAndReadAsEmpty) {
  // The failed item's "xyz" is ignored: abc vs "" is 3 deletions. ab vs ab is exact.
  // CER (3 + 0) / (3 + 2) = 0.6; WER 1 missing word / 2 words = 0.5.
  ScoredItem failed = item("abc", "xyz");
  failed.failed = true;
  const SetMetrics m = compute_metrics({failed, item("ab", "ab")}, true);
  EXPECT_EQ(m.failures, 1);
  EXPECT_EQ(m.exact, 1);
  EXPECT_EQ(m.wrong, 1);
  EXPECT_EQ(m.cer, 0.6);
  EXPECT_EQ(m.wer, 0.5);
  EXPECT_EQ(m.top_confusions,
            (std::vector<Confusion>{{"a", "", 1}, {"b", "", 1}, {"c", "", 1}}));
}

TEST(Metrics, UnicodeIsCountedInCodePoints) {
  // Straße vs Strasse: +s and ß>s, 2 errors of 6. 日本 vs 日本語: +語, 1 error of 2.
  // CER (2 + 1) / (6 + 2) = 3/8 = 0.375. Each item has one word and gets it wrong: WER 2/2.
  const SetMetrics m =
      compute_metrics({item("Straße", "Strasse"), item("日本", "日本語")}, true);
  EXPECT_EQ(m.char_errors, 3);
  EXPECT_EQ(m.expected_chars, 8);
  EXPECT_EQ(m.cer, 0.375);
  EXPECT_EQ(m.wer, 1.0);
  EXPECT_EQ(m.case_errors, 0);
  // Equal counts in byte order: "" before "ß", and "s" (73) before "語" (E8 AA 9E).
  EXPECT_EQ(m.top_confusions,
            (std::vector<Confusion>{{"", "s", 1}, {"", "語", 1}, {"ß", "s", 1}}));
}

TEST(Metrics, WordErrorRateSplitsOnAnyWhitespace) {
  // the quick brown fox / the  quack<TAB>brown: quick>quack and fox missing, 2 of 4 = 0.5.
  const SetMetrics m = compute_metrics({item("the quick brown fox", "the  quack\tbrown")}, true);
  EXPECT_EQ(m.expected_words, 4);
  EXPECT_EQ(m.word_errors, 2);
  EXPECT_EQ(m.wer, 0.5);
  // Newlines, runs of spaces and an ideographic space (U+3000) all separate words:
  // "a b\nc" vs " a  b c " is 3 words each, all equal; 日本　語 is 2 words, both equal.
  const SetMetrics spaced =
      compute_metrics({item("a b\nc", " a  b c "), item("日本\u3000語", "日本 語")}, true);
  EXPECT_EQ(spaced.expected_words, 5);
  EXPECT_EQ(spaced.wer, 0.0);
  // Words compare under the case rule: Hello World vs hello world is 2/2 or 0/2.
  EXPECT_EQ(compute_metrics({item("Hello World", "hello world")}, true).wer, 1.0);
  EXPECT_EQ(compute_metrics({item("Hello World", "hello world")}, false).wer, 0.0);
}

TEST(Metrics, FlagQualityOnASmallBatch) {
  // id  expected got   flagged  right (case-sensitive)
  // A   A1       A1    no       yes
  // B   B2       B2    no       yes
  // C   C3       C3    yes      yes   <- false alarm
  // D   D4       D5    yes      no
  // E   E5       fail  yes      no
  // F   F6       F8    no       no    <- missed
  // G   G7       g7    no       no    <- missed (case only)
  // H   H8       H8    no       yes
  ScoredItem e = flagged("E5", "E5");
  e.failed = true;
  const std::vector<ScoredItem> batch = {
      item("A1", "A1"), item("B2", "B2"), flagged("C3", "C3"), flagged("D4", "D5"),
      e,                item("F6", "F8"), item("G7", "g7"),    item("H8", "H8")};

  // Flagged C, D, E = 3, of which wrong D, E = 2: precision 2/3.
  // Wrong D, E, F, G = 4, of which flagged 2: recall 2/4 = 0.5.
  // Unflagged A, B, F, G, H = 5, of which right A, B, H = 3: unflagged accuracy 3/5 = 0.6.
  // Coverage 5 unflagged / 8 = 0.625. Exact A, B, C, H = 4/8 = 0.5.
  const SetMetrics cs = compute_metrics(batch, true);
  EXPECT_EQ(cs.flagged, 3);
  EXPECT_EQ(cs.wrong, 4);
  EXPECT_EQ(cs.flag_precision, 2.0 / 3.0);
  EXPECT_EQ(cs.flag_recall, 0.5);
  EXPECT_EQ(cs.unflagged_accuracy, 0.6);
  EXPECT_EQ(cs.coverage, 0.625);
  EXPECT_EQ(cs.exact_rate, 0.5);
  EXPECT_EQ(cs.failures, 1);

  // Ignoring case, G is right: wrong D, E, F = 3, recall 2/3; unflagged right A, B, G, H = 4/5.
  const SetMetrics ci = compute_metrics(batch, false);
  EXPECT_EQ(ci.wrong, 3);
  EXPECT_EQ(ci.flag_precision, 2.0 / 3.0);
  EXPECT_EQ(ci.flag_recall, 2.0 / 3.0);
  EXPECT_EQ(ci.unflagged_accuracy, 0.8);
  EXPECT_EQ(ci.coverage, 0.625);
}

TEST(Metrics, LatencyPercentilesAreNearestRank) {
  // Odd, 5 values sorted 10 20 30 40 50: median rank ceil(0.5 * 5) = 3 -> 30;
  // p95 rank ceil(0.95 * 5) = ceil(4.75) = 5 -> 50. A failed item's latency counts too.
  std::vector<ScoredItem> odd = {timed(30), timed(10), timed(50), timed(20), timed(40)};
  odd[2].failed = true;
  const SetMetrics o = compute_metrics(odd, true);
  EXPECT_EQ(o.latency_median_ms, 30.0);
  EXPECT_EQ(o.latency_p95_ms, 50.0);

  // Even, 4 values sorted 10 20 30 40: median rank ceil(2) = 2 -> 20 (the lower middle);
  // p95 rank ceil(3.8) = 4 -> 40.
  const SetMetrics e = compute_metrics({timed(40), timed(10), timed(30), timed(20)}, true);
  EXPECT_EQ(e.latency_median_ms, 20.0);
  EXPECT_EQ(e.latency_p95_ms, 40.0);

  // 1..20: median rank 10 -> 10; p95 rank 0.95 * 20 = 19 exactly -> 19, not 20.
  std::vector<ScoredItem> twenty;
  for (int i = 20; i >= 1; --i) twenty.push_back(timed(i));
  const SetMetrics t = compute_metrics(twenty, true);
  EXPECT_EQ(t.latency_median_ms, 10.0);
  EXPECT_EQ(t.latency_p95_ms, 19.0);

  // One value is both its median and its p95.
  const SetMetrics one = compute_metrics({timed(7.5)}, true);
  EXPECT_EQ(one.latency_median_ms, 7.5);
  EXPECT_EQ(one.latency_p95_ms, 7.5);
}

TEST(Metrics, TokensFailuresAndStatusesAreCounted) {
  ScoredItem a = item("x", "x");
  a.tokens = 100;
  a.status = "ok";
  ScoredItem b = item("y", "y");
  b.tokens = 250;
  b.status = "ok";
  ScoredItem c = item("z", "");
  c.failed = true;
  c.status = "timeout";
  ScoredItem d = item("w", "w");  // no status: not counted
  // Tokens 100 + 250 + 0 + 0 = 350.
  const SetMetrics m = compute_metrics({a, b, c, d}, true);
  EXPECT_EQ(m.total_tokens, 350);
  EXPECT_EQ(m.failures, 1);
  EXPECT_EQ(m.status_counts, (std::map<std::string, int>{{"ok", 2}, {"timeout", 1}}));
}

TEST(Metrics, TopConfusionsAreTheTenMostFrequent) {
  // 0>O four times, 1>l three times, then fourteen pairs seen once: +Z, -8 and a>A ... j>J.
  // Ties go in byte order of expected: "" (the insert), "8", then "a" onwards; g..j drop off.
  const SetMetrics m = compute_metrics(
      {item("0000", "OOOO"), item("111", "lll"), item("abcdefghij", "ABCDEFGHIJ"),
       item("8", ""), item("", "Z")},
      true);
  const std::vector<Confusion> want = {{"0", "O", 4}, {"1", "l", 3}, {"", "Z", 1},
                                       {"8", "", 1},  {"a", "A", 1}, {"b", "B", 1},
                                       {"c", "C", 1}, {"d", "D", 1}, {"e", "E", 1},
                                       {"f", "F", 1}};
  EXPECT_EQ(m.top_confusions, want);
  // Only the ten a>A ... j>J differ by case; 0>O and 1>l are shape confusions.
  EXPECT_EQ(m.case_errors, 10);
}

TEST(Metrics, AnEmptySetHasNoRates) {
  const SetMetrics m = compute_metrics({}, true);
  EXPECT_EQ(m.images, 0);
  EXPECT_EQ(m.exact, 0);
  EXPECT_FALSE(m.exact_rate.has_value());
  EXPECT_FALSE(m.exact_cs_rate.has_value());
  EXPECT_FALSE(m.exact_ci_rate.has_value());
  EXPECT_FALSE(m.cer.has_value());
  EXPECT_FALSE(m.wer.has_value());
  EXPECT_FALSE(m.latency_median_ms.has_value());
  EXPECT_FALSE(m.latency_p95_ms.has_value());
  EXPECT_FALSE(m.flag_precision.has_value());
  EXPECT_FALSE(m.flag_recall.has_value());
  EXPECT_FALSE(m.unflagged_accuracy.has_value());
  EXPECT_FALSE(m.coverage.has_value());
  EXPECT_TRUE(m.top_confusions.empty());
  EXPECT_TRUE(m.status_counts.empty());
  EXPECT_EQ(m.total_tokens, 0);
}

TEST(Metrics, ZeroDenominatorsLeaveTheirRatesEmpty) {
  // Nothing flagged and nothing wrong: no precision, no recall; all 2 unflagged are right.
  const SetMetrics clean = compute_metrics({item("a", "a"), item("b", "b")}, true);
  EXPECT_FALSE(clean.flag_precision.has_value());
  EXPECT_FALSE(clean.flag_recall.has_value());
  EXPECT_EQ(clean.unflagged_accuracy, 1.0);
  EXPECT_EQ(clean.coverage, 1.0);

  // Everything flagged: no unflagged accuracy, but coverage is a real 0/1 = 0.
  const SetMetrics all_flagged = compute_metrics({flagged("a", "b")}, true);
  EXPECT_FALSE(all_flagged.unflagged_accuracy.has_value());
  ASSERT_TRUE(all_flagged.coverage.has_value());
  EXPECT_EQ(all_flagged.coverage, 0.0);
  EXPECT_EQ(all_flagged.flag_precision, 1.0);
  EXPECT_EQ(all_flagged.flag_recall, 1.0);

  // An empty label read as "x": 1 character error and 1 word error, but 0 expected of either.
  const SetMetrics empty_label = compute_metrics({item("", "x")}, true);
  EXPECT_EQ(empty_label.char_errors, 1);
  EXPECT_EQ(empty_label.expected_chars, 0);
  EXPECT_FALSE(empty_label.cer.has_value());
  EXPECT_EQ(empty_label.word_errors, 1);
  EXPECT_FALSE(empty_label.wer.has_value());
  EXPECT_EQ(empty_label.top_confusions, (std::vector<Confusion>{{"", "x", 1}}));

  // A label of three spaces read exactly: CER 0/3, but no words to score.
  const SetMetrics blank = compute_metrics({item("   ", "   ")}, true);
  EXPECT_EQ(blank.cer, 0.0);
  EXPECT_EQ(blank.expected_words, 0);
  EXPECT_FALSE(blank.wer.has_value());
}

}  // namespace
}  // namespace crossocr
