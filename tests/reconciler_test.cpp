#include "crossocr/reconciler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace crossocr {
namespace {

// A local reading of `text` whose glyphs (one per non-space character) have `confidence`, laid
// side by side with the given ink heights (0: unknown).
Reading local_reading(const std::string& text, double confidence, std::vector<double> heights = {}) {
  Reading r;
  r.engine = "local";
  r.text = text;
  r.confidence = confidence;
  std::size_t g = 0;
  for (char32_t c : to_code_points(text)) {
    if (c == U' ') continue;
    Glyph glyph;
    glyph.text = to_utf8(std::u32string(1, c));
    glyph.confidence = confidence;
    glyph.box = cv::Rect(static_cast<int>(g) * 30, 5, 20, 30);
    glyph.ink_height = g < heights.size() ? heights[g] : 0.0;
    r.glyphs.push_back(glyph);
    ++g;
  }
  return r;
}

// A local reading of `text` right with `confidence` whose network was sure (0.999) of every glyph,
// as networks are of most.
Reading sure_glyphs_reading(const std::string& text, double confidence) {
  Reading r = local_reading(text, confidence);
  for (Glyph& g : r.glyphs) g.confidence = 0.999;
  return r;
}

Reading remote_reading(const std::string& text, double confidence = 0.75) {
  Reading r;
  r.engine = "remote";
  r.text = text;
  r.confidence = confidence;
  return r;
}

Reading failed(const std::string& engine, const std::string& error) {
  Reading r;
  r.engine = engine;
  if (!error.empty()) r.status = Status(StatusCode::kEngine, error);
  return r;
}

TEST(Reconciler, IdenticalReadingsAgreeUnflagged) {
  const Verdict v = reconcile(local_reading("ZGUVU", 0.9), remote_reading("ZGUVU", 0.75));
  EXPECT_EQ(v.status, VerdictStatus::kAgree);
  EXPECT_EQ(v.text, "ZGUVU");
  EXPECT_FALSE(v.flagged);
  // Right unless both made the same mistake: 0.9 x 0.75 against 0.1 x 0.25 of which a tenth
  // would be the same wrong text.
  EXPECT_NEAR(v.confidence, 0.675 / (0.675 + 0.1 * 0.1 * 0.25), 1e-12);
  EXPECT_EQ(v.alignment.size(), 5u);
}

TEST(Reconciler, CaseOfSizeOnlyLettersIsSettledByInkHeight) {
  // Local read "zGuvu" with heights: z 30 (cap), G 30, u 30, v 30, u 30 -> all capitals by size.
  // (The local engine corrects its own case; here its text disagrees with its sizes on purpose.)
  const Reading local = local_reading("zGuvu", 0.9, {30, 30, 30, 30, 30});
  const Verdict v = reconcile(local, remote_reading("ZGUVU"));
  EXPECT_EQ(v.status, VerdictStatus::kCaseConflict);
  EXPECT_EQ(v.text, "ZGUVU");
  EXPECT_FALSE(v.flagged) << v.reason;  // size is evidence
  EXPECT_EQ(v.source, "remote");
}

TEST(Reconciler, SizeCanSideWithTheLocalReading) {
  // "xyE77": x is 20 px against capitals E/7 of 28: lower case, as local read it.
  const Reading local = local_reading("xyE77", 0.6, {20, 26, 28, 28, 28});
  const Verdict v = reconcile(local, remote_reading("XyE77", 0.95));
  EXPECT_EQ(v.status, VerdictStatus::kCaseConflict);
  EXPECT_EQ(v.text, "xyE77");
  EXPECT_EQ(v.source, "local");
  EXPECT_FALSE(v.flagged);
}

TEST(Reconciler, CaseOfOtherLettersFollowsConfidenceAndFlagsCloseCalls) {
  // p/P differ in shape, not just size: no size evidence. Per character, the local reading's doubt
  // (1 - 0.9) is shared by its two equally doubtful glyphs: 0.95 each; the remote's (1 - 0.75) by
  // its two characters: 0.875. Local, right with 0.95 x 0.125 / (1 - 0.95 x 0.875) = 0.70 by the
  // letter, 0.9 x 0.25 / (1 - 0.9 x 0.75) = 0.69 by the whole readings: their geometric mean,
  // 0.70 < 0.9, flagged.
  const Verdict v = reconcile(local_reading("pQ", 0.9), remote_reading("PQ", 0.75));
  EXPECT_EQ(v.status, VerdictStatus::kCaseConflict);
  EXPECT_EQ(v.text, "pQ");
  EXPECT_TRUE(v.flagged);
  const double by_letter = 0.95 * 0.125 / (1 - 0.95 * 0.875), whole = 0.9 * 0.25 / (1 - 0.9 * 0.75);
  EXPECT_NEAR(v.confidence, std::sqrt(by_letter * whole), 1e-9);
  EXPECT_NE(v.reason.find("'p' (local 0.95) vs 'P' (remote 0.88)"), std::string::npos) << v.reason;
}

// A long reading right 57% of the time, its glyphs each at 0.99 as a network's steps are: the
// one doubtful glyph carries the reading's doubt, and a remote right 85% of the time on the
// whole text outweighs it there (a multi-line label's "392A1" against the remote's right "392AI").
TEST(Reconciler, ALongReadingsDoubtFallsOnItsDoubtfulGlyph) {
  Reading local = sure_glyphs_reading("L9QZ NLWS VT3N 1993-08-23 Gate 392A1", 0.57);
  local.glyphs.back().confidence = 0.95;
  local.glyphs.back().alternatives = {{"I", 0.04}};
  const Verdict v = reconcile(local, remote_reading("L9QZ NLWS VT3N 1993-08-23 Gate 392AI", 0.85));
  EXPECT_EQ(v.text, "L9QZ NLWS VT3N 1993-08-23 Gate 392AI");
  EXPECT_EQ(v.source, "remote");
}

TEST(Reconciler, PoliciesDecideDifferingCharacters) {
  Reading local = local_reading("AB1D", 0.6);
  const Reading remote = remote_reading("ABID", 0.99);
  ReconcilePolicy policy;
  EXPECT_EQ(reconcile(local, remote, policy).text, "ABID");  // confidence: remote 0.99 > 0.6
  // Probable (0.99 x 0.4 / (1 - 0.594) = 0.975) but unsupported: nothing local speaks for the I.
  EXPECT_TRUE(reconcile(local, remote, policy).flagged);
  local.glyphs[2].alternatives = {{"I", 0.3}};  // the local reader weighed an I there itself
  EXPECT_FALSE(reconcile(local, remote, policy).flagged);
  policy.prefer = Preference::kLocal;
  EXPECT_EQ(reconcile(local, remote, policy).text, "AB1D");
  EXPECT_TRUE(reconcile(local, remote, policy).flagged);     // chosen against the evidence
  policy.prefer = Preference::kRemote;
  EXPECT_EQ(reconcile(local, remote, policy).text, "ABID");
  policy.prefer = Preference::kConfidence;
  policy.flag_below = 0.99;
  EXPECT_TRUE(reconcile(local, remote, policy).flagged);     // 0.975 < 0.99
}

TEST(Reconciler, ALocalRunnerUpThatMatchesTheRemoteNarrowsTheLocalLead) {
  Reading local = local_reading("CODE", 0.97);
  const Reading remote = remote_reading("C0DE", 0.95);
  ReconcilePolicy policy;
  // Per character the local "O" is right with 1 - 0.03/4 and the remote "0" with 1 - 0.05/4:
  // the local's, too narrowly to be trusted (0.62), and unaccounted for.
  Verdict v = reconcile(local, remote, policy);
  EXPECT_EQ(v.text, "CODE");
  EXPECT_TRUE(v.flagged);
  EXPECT_NE(v.reason.find("unaccounted"), std::string::npos) << v.reason;
  // The local network was torn between "O" (0.55) and "0" (0.44) itself, and its reading is
  // right only 60% of the time: the doubt of the reading falls on that glyph, the remote's "0"
  // leads clearly, and the difference is one the local reader weighed. The remote reading whole
  // against the local one is right with 0.95 x 0.4 / (1 - 0.95 x 0.6) = 0.88; with its letter's
  // far surer chance, the verdict's is above 0.9 and under the geometric mean's bound: unflagged.
  local.confidence = 0.6;
  local.glyphs[1].confidence = 0.55;
  local.glyphs[1].alternatives = {{"Q", 0.01}, {"0", 0.44}};
  v = reconcile(local, remote, policy);
  EXPECT_EQ(v.text, "C0DE");
  EXPECT_EQ(v.reason.find("unaccounted"), std::string::npos) << v.reason;
  EXPECT_GT(v.confidence, 0.75);
  EXPECT_GT(v.confidence, 0.9);
  EXPECT_LE(v.confidence, std::sqrt(0.999 * 0.95 * 0.4 / (1 - 0.95 * 0.6)));
  EXPECT_FALSE(v.flagged) << v.reason;
  local.confidence = 0.97;
  local.glyphs[1].confidence = 0.97;
  // A runner-up that is not the remote's character changes nothing.
  local.glyphs[1].alternatives = {{"Q", 0.5}};
  EXPECT_EQ(reconcile(local, remote, policy).text, "CODE");
}

// A local glyph its network is sure of (0.999), that does not list the remote's character among
// its runners-up, rejected that character outright: evidence that accounts for the difference.
// A glyph it was unsure of (0.9) without the remote's character among its runners-up does not.
TEST(Reconciler, ASureGlyphThatRejectedTheRemotesCharacterAccountsForTheDifference) {
  Reading local = sure_glyphs_reading("JPYS", 0.99);
  const Reading remote = remote_reading("JPY5", 0.6);
  Verdict v = reconcile(local, remote);
  EXPECT_EQ(v.text, "JPYS");
  EXPECT_FALSE(v.flagged) << v.reason;
  // Per character the local S is right with 1 - 0.01/4 = 0.9975 (its share of the reading's doubt;
  // no letter is held surer than 0.999), the remote's 5 with 1 - 0.4/4 = 0.9; the local reading
  // whole against the remote's, 0.99 x 0.4 / (1 - 0.99 x 0.6), is a little less sure: their
  // geometric mean.
  const double by_letter = 0.9975 * 0.1 / (1 - 0.9975 * 0.9), whole = 0.99 * 0.4 / (1 - 0.99 * 0.6);
  EXPECT_NEAR(v.confidence, std::sqrt(by_letter * whole), 1e-9);
  local.glyphs[3].confidence = 0.9;
  local.glyphs[3].alternatives = {{"8", 0.05}};
  v = reconcile(local, remote);
  EXPECT_EQ(v.text, "JPYS");
  EXPECT_TRUE(v.flagged);
  EXPECT_NE(v.reason.find("unaccounted"), std::string::npos) << v.reason;
}

// The line reader gives a space a glyph of its own, Tesseract does not: either way each character
// is weighed by its own glyph, not by the one before it (labels with spaces once were).
TEST(Reconciler, EachCharacterIsWeighedByItsOwnGlyphWhereSpacesAreGlyphs) {
  Reading local = sure_glyphs_reading("EUR 9S", 0.99);
  Glyph space;
  space.text = " ";
  space.confidence = 0.6;
  space.box = cv::Rect(75, 5, 10, 30);
  local.glyphs.insert(local.glyphs.begin() + 3, space);
  local.glyphs[4].confidence = 0.6;  // the 9, which weighed a 5 (the remote's character for the S)
  local.glyphs[4].alternatives = {{"5", 0.35}};
  const Verdict v = reconcile(local, remote_reading("EUR 95", 0.6));
  EXPECT_EQ(v.text, "EUR 9S");
  EXPECT_FALSE(v.flagged) << v.reason;
}

// A letter the remote dropped is accounted for by the local glyph's own ink; one whose box lies
// on its neighbour's (a letter the local reader read twice) is not.
TEST(Reconciler, ALetterTheRemoteDroppedIsAccountedForByItsOwnInk) {
  Reading local = sure_glyphs_reading("KSPW", 0.99);
  const Reading remote = remote_reading("KPW", 0.6);
  Verdict v = reconcile(local, remote);
  EXPECT_EQ(v.text, "KSPW");
  EXPECT_FALSE(v.flagged) << v.reason;
  local.glyphs[1].box = local.glyphs[0].box + cv::Point(4, 0);  // S drawn over K's ink
  v = reconcile(local, remote);
  EXPECT_EQ(v.text, "KSPW");
  EXPECT_TRUE(v.flagged);
  EXPECT_NE(v.reason.find("unaccounted"), std::string::npos) << v.reason;
}

// The remote reads a letter twice where the local reader read it once: the local reading stands
// when its glyph's box is one letter wide, but a box half as wide again as the others may hold
// two letters a network reading by columns merged.
TEST(Reconciler, ADoubledLetterIsTheRemotesOnlyWhenTheLocalBoxHoldsOneLetter) {
  Reading local = sure_glyphs_reading("NTS", 0.99);
  const Reading remote = remote_reading("NTTS", 0.6);
  Verdict v = reconcile(local, remote);
  EXPECT_EQ(v.text, "NTS");
  EXPECT_FALSE(v.flagged) << v.reason;
  local.glyphs[1].box.width = 40;  // twice the others' 20 px
  v = reconcile(local, remote);
  EXPECT_TRUE(v.flagged);
  EXPECT_NE(v.reason.find("unaccounted"), std::string::npos) << v.reason;
}

// Whatever its glyphs say, a verdict that took the local reading whole weighs that reading
// against the remote's too: a reading right half the time, sure of every glyph, stays flagged.
TEST(Reconciler, AVerdictWeighsTheReadingItTookAgainstTheOther) {
  Reading local = sure_glyphs_reading("NTS", 0.5);
  const Verdict v = reconcile(local, remote_reading("NTTS", 0.75));
  EXPECT_EQ(v.text, "NTS");
  EXPECT_TRUE(v.flagged);
  // By the letter at most 0.999 x 0.25 / (1 - 0.999 x 0.75); whole against whole 0.2.
  EXPECT_LE(v.confidence, std::sqrt(0.999 * 0.25 / (1 - 0.999 * 0.75) * 0.5 * 0.25 / (1 - 0.5 * 0.75)) + 1e-9);
}

TEST(Reconciler, DifferentTextIsAConflictAlignedCharacterByCharacter) {
  // Local misses a character and misreads another; remote is more confident.
  const Verdict v = reconcile(local_reading("Q9LA", 0.8), remote_reading("QRLh", 0.7));
  EXPECT_EQ(v.status, VerdictStatus::kConflict);
  EXPECT_EQ(v.text, "Q9LA");  // local 0.8 > remote 0.7 at each differing position
  EXPECT_TRUE(v.flagged);
  ASSERT_EQ(v.alignment.size(), 4u);
  EXPECT_EQ(v.alignment[1].op, EditOp::kSubstitute);
  EXPECT_EQ(v.alignment[1].left, "9");
  EXPECT_EQ(v.alignment[1].right, "R");
}

TEST(Reconciler, MergedWhenEachSideWinsSomewhere) {
  Reading local = local_reading("AXCY", 0.5);
  local.glyphs[1].confidence = 0.99;  // local is sure of its X
  const Verdict v = reconcile(local, remote_reading("ABCD", 0.9));
  EXPECT_EQ(v.text, "AXCD");
  EXPECT_EQ(v.source, "merged");
}

TEST(Reconciler, InsertionsAndDeletionsFollowTheChosenSide) {
  EXPECT_EQ(reconcile(local_reading("ABCD", 0.3), remote_reading("ABD", 0.9)).text, "ABD");
  EXPECT_EQ(reconcile(local_reading("ABD", 0.3), remote_reading("ABCD", 0.9)).text, "ABCD");
  EXPECT_EQ(reconcile(local_reading("ABCD", 0.99), remote_reading("ABD", 0.5)).text, "ABCD");
}

TEST(Reconciler, ALetterTheRemoteDoublesWeighsTheLocalLettersAroundIt) {
  // The local reader read U and N surely and nothing between them: that is its evidence against
  // the remote's second U, not the line's overall probability (0.68 here).
  Reading local = local_reading("UNCU", 0.99);
  local.confidence = 0.68;
  EXPECT_EQ(reconcile(local, remote_reading("UUNCU", 0.75)).text, "UNCU");
  // Unsure of the first U and the N: the remote's letter may well be there (the alignment may put
  // the second U before or after the first).
  local.glyphs[0].confidence = local.glyphs[1].confidence = 0.4;
  EXPECT_EQ(reconcile(local, remote_reading("UUNCU", 0.75)).text, "UUNCU");
  // Sure letters say nothing of the width between them: a space the remote adds is weighed
  // against the local reading's own probability.
  EXPECT_EQ(reconcile(local_reading("Madein", 0.6), remote_reading("Made in", 0.75)).text, "Made in");
}

TEST(Reconciler, OneSideFailingGivesTheOthersReadingFlagged) {
  Verdict v = reconcile(local_reading("ZGUVU", 0.9), failed("remote", "HTTP 503"));
  EXPECT_EQ(v.status, VerdictStatus::kLocalOnly);
  EXPECT_EQ(v.text, "ZGUVU");
  EXPECT_TRUE(v.flagged);
  EXPECT_NE(v.reason.find("HTTP 503"), std::string::npos);
  v = reconcile(failed("local", "PNG data is corrupt"), remote_reading("ZGUVU"));
  EXPECT_EQ(v.status, VerdictStatus::kRemoteOnly);
  EXPECT_EQ(v.source, "remote");
  v = reconcile(failed("local", "a"), failed("remote", "b"));
  EXPECT_EQ(v.status, VerdictStatus::kFailed);
  EXPECT_TRUE(v.text.empty());
  EXPECT_TRUE(v.flagged);
}

// Confidences that are no probabilities (NaN, infinities, negatives, above 1) once gave verdicts
// a NaN confidence (fuzz/corpus/reconciler/nan.bin): they count as 0 and 1 at worst.
TEST(Reconciler, ConfidencesOutsideZeroToOneGiveAProbability) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  for (double bad : {nan, inf, -inf, -0.5, 1.5}) {
    Reading local = local_reading("ABD", bad);
    local.glyphs[1].alternatives.push_back({"X", bad});
    for (const Reading& remote : {remote_reading("ABC", bad), remote_reading("ABD", bad), remote_reading("", bad),
                                  failed("remote", "HTTP 503"), remote_reading("WXYZ", 0.8)}) {
      const Verdict v = reconcile(local, remote);
      EXPECT_GE(v.confidence, 0.0) << bad << " " << remote.text;
      EXPECT_LE(v.confidence, 1.0) << bad << " " << remote.text;
    }
  }
  Reading local = local_reading("ABC", 0.9);
  local.glyphs[2].confidence = nan;
  const Verdict v = reconcile(local, remote_reading("ABD", 0.9));
  EXPECT_FALSE(std::isnan(v.confidence));
  EXPECT_EQ(v.text, "ABD");  // the NaN glyph counts as 0: the remote's letter is taken
}

TEST(Reconciler, WhollyDifferentReadingsAreFlaggedWhateverTheirConfidence) {
  const Verdict v = reconcile(local_reading("ZGUVU", 0.05), remote_reading("HELLO", 0.99));
  EXPECT_TRUE(v.flagged);
  EXPECT_NE(v.reason.find("wholly different"), std::string::npos) << v.reason;
  EXPECT_EQ(v.text, "HELLO");
  // The more probable reading whole, never a splice of a word into a code ("PwORh" from local
  // "PwjRh" and a remote "CODE"); its probability allows for the other being right instead.
  const Verdict code = reconcile(local_reading("PwjRh", 0.9), remote_reading("CODE", 0.6));
  EXPECT_EQ(code.text, "PwjRh");
  EXPECT_EQ(code.source, "local");
  EXPECT_TRUE(code.flagged);
  EXPECT_NEAR(code.confidence, 0.9 * 0.4 / (1 - 0.9 * 0.6), 1e-9);
  // One letter misread is not wholly different: the strong side may settle it, where the local
  // reader weighed the remote's letter too.
  Reading local = local_reading("ZGUVU", 0.05);
  EXPECT_TRUE(reconcile(local, remote_reading("ZGUVV", 0.99)).flagged);
  local.glyphs[4].alternatives = {{"V", 0.04}};
  EXPECT_FALSE(reconcile(local, remote_reading("ZGUVV", 0.99)).flagged);
}

TEST(Reconciler, CaseBlindPolicyMakesCaseDifferencesAgreement) {
  ReconcilePolicy blind;
  blind.case_sensitive = false;
  const Verdict v = reconcile(local_reading("zguvu", 0.5), remote_reading("ZGUVU", 0.5), blind);
  EXPECT_EQ(v.status, VerdictStatus::kAgree);
  EXPECT_FALSE(v.flagged) << v.reason;
  // Other differences still count; the case of a differing letter does not.
  const Verdict mixed = reconcile(local_reading("zguvx", 0.5), remote_reading("ZGUVU", 0.5), blind);
  EXPECT_EQ(mixed.status, VerdictStatus::kConflict);
  EXPECT_NE(mixed.reason.find("'x'"), std::string::npos) << mixed.reason;
  EXPECT_EQ(mixed.reason.find("'z'"), std::string::npos) << mixed.reason;
}

TEST(Reconciler, EmptyUnicodeAndWhitespace) {
  const Verdict nothing = reconcile(local_reading("", 0.0), remote_reading(""));
  EXPECT_EQ(nothing.status, VerdictStatus::kAgree);
  EXPECT_TRUE(nothing.flagged);  // agreeing on nothing verifies nothing
  // Nothing verifies itself: a reading one side did not see at all stands unverified, flagged.
  const Verdict empty_local = reconcile(local_reading("", 0.0), remote_reading("AB", 0.99));
  EXPECT_EQ(empty_local.status, VerdictStatus::kConflict);
  EXPECT_EQ(empty_local.text, "AB");
  EXPECT_TRUE(empty_local.flagged);
  EXPECT_NE(empty_local.reason.find("local reader read nothing"), std::string::npos) << empty_local.reason;
  const Verdict unicode = reconcile(local_reading("Straße", 0.6), remote_reading("STRASSE", 0.9));
  EXPECT_EQ(unicode.status, VerdictStatus::kConflict);
  EXPECT_EQ(reconcile(local_reading("Ärger", 0.6), remote_reading("ärger", 0.9)).status,
            VerdictStatus::kCaseConflict);
  // A space is a character like any other: "AB CD" and "ABCD" differ.
  const Verdict spaced = reconcile(local_reading("AB CD", 0.9), remote_reading("ABCD", 0.5));
  EXPECT_EQ(spaced.status, VerdictStatus::kConflict);
  EXPECT_EQ(spaced.text, "AB CD");
}

}  // namespace
}  // namespace crossocr
