#include "crossocr/alignment.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace crossocr {
namespace {

// Compact picture of an alignment: one token per pair, "=x" match, "x>y" substitution,
// "-x" delete, "+y" insert, with the code-point indices as "@left,right".
std::string describe(const std::vector<AlignedPair>& pairs) {
  std::string out;
  for (const AlignedPair& p : pairs) {
    if (!out.empty()) out += ' ';
    switch (p.op) {
      case EditOp::kMatch: out += "=" + p.left; break;
      case EditOp::kSubstitute: out += p.left + ">" + p.right; break;
      case EditOp::kDelete: out += "-" + p.left; break;
      case EditOp::kInsert: out += "+" + p.right; break;
    }
    // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on `"@" + std::string`.
    out.append("@").append(std::to_string(p.left_index)).append(",").append(
        std::to_string(p.right_index));
  }
  return out;
}

std::size_t non_matches(const std::vector<AlignedPair>& pairs) {
  std::size_t n = 0;
  for (const AlignedPair& p : pairs) n += p.op == EditOp::kMatch ? 0 : 1;
  return n;
}

TEST(Utf8, DecodesOneToFourByteCharacters) {
  // "a" 1 byte, "ß" 2 bytes (C3 9F), "日" 3 bytes (E6 97 A5), "😀" 4 bytes (F0 9F 98 80).
  EXPECT_EQ(to_code_points("aß日😀"), (std::u32string{U'a', 0xDF, 0x65E5, 0x1F600}));
  EXPECT_EQ(to_code_points(""), std::u32string());
  EXPECT_EQ(to_code_points("日本").size(), 2u);  // 6 bytes, 2 characters
}

TEST(Utf8, InvalidBytesBecomeOneReplacementEachMaximalSubpart) {
  const char32_t r = 0xFFFD;
  // A lone 0xFF between two letters.
  EXPECT_EQ(to_code_points("a\xff" "b"), (std::u32string{U'a', r, U'b'}));
  // "日" cut after two of its three bytes: one U+FFFD for the plausible prefix.
  EXPECT_EQ(to_code_points("\xe6\x97"), (std::u32string{r}));
  // Truncated, then a valid "x": the "x" survives.
  EXPECT_EQ(to_code_points("\xe6\x97x"), (std::u32string{r, U'x'}));
  // Two stray continuation bytes: two replacements.
  EXPECT_EQ(to_code_points("\x80\x80"), (std::u32string{r, r}));
  // Overlong "/" (C0 AF): C0 can never lead, AF is then a stray continuation.
  EXPECT_EQ(to_code_points("\xc0\xaf"), (std::u32string{r, r}));
  // Encoded surrogate U+D800 (ED A0 80): A0 is outside ED's allowed 80..9F, so three.
  EXPECT_EQ(to_code_points("\xed\xa0\x80"), (std::u32string{r, r, r}));
  // Above U+10FFFF (F4 90 80 80): 90 is outside F4's allowed 80..8F, so four.
  EXPECT_EQ(to_code_points("\xf4\x90\x80\x80"), (std::u32string{r, r, r, r}));
}

TEST(Utf8, EncodesAndRoundTrips) {
  EXPECT_EQ(to_utf8(U"aß日😀"), "aß日😀");
  EXPECT_EQ(to_utf8(to_code_points("Straße 日本")), "Straße 日本");
  EXPECT_EQ(to_utf8(std::u32string()), "");
  // A surrogate and a value past U+10FFFF cannot be encoded: each becomes EF BF BD.
  EXPECT_EQ(to_utf8(std::u32string{0xD800, U'a', 0x110000}), "\xef\xbf\xbd" "a\xef\xbf\xbd");
}

TEST(Utf8, LowerCasesTheCommonScripts) {
  EXPECT_EQ(to_lower(U'A'), U'a');
  EXPECT_EQ(to_lower(U'z'), U'z');
  EXPECT_EQ(to_lower(U'1'), U'1');
  EXPECT_EQ(to_lower(U'Ä'), U'ä');
  EXPECT_EQ(to_lower(U'×'), U'×');  // U+00D7 sits among the capitals but is not one
  EXPECT_EQ(to_lower(U'Ÿ'), U'ÿ');
  EXPECT_EQ(to_lower(U'Ł'), U'ł');  // U+0141, capital on the odd code point
  EXPECT_EQ(to_lower(U'Ő'), U'ő');  // U+0150, capital on the even code point
  EXPECT_EQ(to_lower(U'İ'), U'i');
  EXPECT_EQ(to_lower(U'ẞ'), U'ß');
  EXPECT_EQ(to_lower(U'Ệ'), U'ệ');
  EXPECT_EQ(to_lower(U'Ω'), U'ω');
  EXPECT_EQ(to_lower(U'Ά'), U'ά');
  EXPECT_EQ(to_lower(U'Ж'), U'ж');
  EXPECT_EQ(to_lower(U'Ё'), U'ё');
  EXPECT_EQ(to_lower(U'Ａ'), U'ａ');
  EXPECT_EQ(to_lower(U'日'), U'日');
}

TEST(Align, IdenticalStringsAreAllMatches) {
  EXPECT_EQ(describe(align("ZGU", "ZGU")), "=Z@0,0 =G@1,1 =U@2,2");
  EXPECT_EQ(edit_distance("ZGUVU", "ZGUVU"), 0u);
}

TEST(Align, OneSubstitutionAtTheEnd) {
  // ZGUVU vs ZGUVV: four matches, then U read as V.
  const auto pairs = align("ZGUVU", "ZGUVV");
  EXPECT_EQ(describe(pairs), "=Z@0,0 =G@1,1 =U@2,2 =V@3,3 U>V@4,4");
  ASSERT_EQ(pairs.size(), 5u);
  EXPECT_EQ(pairs[4].op, EditOp::kSubstitute);
  EXPECT_EQ(pairs[4].left, "U");
  EXPECT_EQ(pairs[4].right, "V");
  EXPECT_EQ(edit_distance("ZGUVU", "ZGUVV"), 1u);
}

TEST(Align, EmptyOnEitherSide) {
  EXPECT_TRUE(align("", "").empty());
  EXPECT_EQ(edit_distance("", ""), 0u);
  // Nothing expected, two characters read: two inserts, left index -1.
  EXPECT_EQ(describe(align("", "ab")), "+a@-1,0 +b@-1,1");
  // Two expected, nothing read: two deletes, right index -1.
  EXPECT_EQ(describe(align("ab", "")), "-a@0,-1 -b@1,-1");
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
}

TEST(Align, SharpSAgainstDoubleS) {
  // Straße (6 code points) vs Strasse (7): "Stra" matches, then the trace-back from the end
  // matches "e", substitutes ß>s, and the remaining extra "s" is the insert placed first.
  // Distance 2: one substitution + one insertion.
  EXPECT_EQ(describe(align("Straße", "Strasse")),
            "=S@0,0 =t@1,1 =r@2,2 =a@3,3 +s@-1,4 ß>s@4,5 =e@5,6");
  EXPECT_EQ(edit_distance("Straße", "Strasse"), 2u);
}

TEST(Align, CountsCodePointsNotBytes) {
  // 日本 vs 日本語: one inserted character, though it is three bytes.
  EXPECT_EQ(describe(align("日本", "日本語")), "=日@0,0 =本@1,1 +語@-1,2");
  EXPECT_EQ(edit_distance("日本", "日本語"), 1u);
  // 日 read as 目: one substitution, not three byte errors.
  EXPECT_EQ(edit_distance("日", "目"), 1u);
}

TEST(Align, PrefersSubstitutionsOnTies) {
  // ab vs ba: two substitutions and delete+match+insert both cost 2; substitutions win.
  EXPECT_EQ(describe(align("ab", "ba")), "a>b@0,0 b>a@1,1");
  // aab vs ab: the single delete goes as early as possible, onto the first "a".
  EXPECT_EQ(describe(align("aab", "ab")), "-a@0,-1 =a@1,0 =b@2,1");
  // abc vs xbcd: substitution a>x, then the extra "d" read at the end.
  EXPECT_EQ(describe(align("abc", "xbcd")), "a>x@0,0 =b@1,1 =c@2,2 +d@-1,3");
}

TEST(Align, IsCaseSensitiveUnlessAskedNotToBe) {
  EXPECT_EQ(describe(align("Ab", "ab")), "A>a@0,0 =b@1,1");
  EXPECT_EQ(edit_distance("Ab", "ab"), 1u);
  // Case-insensitive: a match that keeps both original characters.
  const auto pairs = align("ÄB", "äb", false);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].op, EditOp::kMatch);
  EXPECT_EQ(pairs[0].left, "Ä");
  EXPECT_EQ(pairs[0].right, "ä");
  EXPECT_EQ(pairs[1].op, EditOp::kMatch);
  EXPECT_EQ(non_matches(align("ÄB", "äc", false)), 1u);
}

TEST(Align, InvalidBytesAlignAsReplacementCharacters) {
  // "a\xff" decodes to a, U+FFFD: the bad byte shows as a substitution of EF BF BD for "b".
  EXPECT_EQ(describe(align("a\xff", "ab")), "=a@0,0 \xef\xbf\xbd>b@1,1");
}

TEST(EditDistance, ClassicExamples) {
  // kitten -> sitting: k>s, e>i, +g = 3.
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  // flaw -> lawn: -f, +n = 2.
  EXPECT_EQ(edit_distance("flaw", "lawn"), 2u);
  EXPECT_EQ(edit_distance(U"日本", U"本日"), 2u);
  EXPECT_EQ(edit_distance(std::u32string{1, 2, 3}, std::u32string{1, 3}), 1u);
}

TEST(EditDistance, EqualsTheNonMatchesOfTheAlignment) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"kitten", "sitting"}, {"Straße", "Strasse"}, {"", "x"},        {"ZGUVU", "ZGUVV"},
      {"日本語", "本語日"},  {"abcdef", "azced"},  {"OCR 0O", "0CR O0"}, {"aaaa", "aa"}};
  for (const auto& [a, b] : cases) {
    EXPECT_EQ(non_matches(align(a, b)), edit_distance(a, b)) << a << " / " << b;
    EXPECT_EQ(edit_distance(a, b), edit_distance(b, a)) << a << " / " << b;
  }
}

}  // namespace
}  // namespace crossocr
