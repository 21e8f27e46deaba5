// Character alignment: how a reading differs from its label, one code point at a time. Byte-wise
// comparison would count "ß" as two errors and split "日" in half, so everything here works on
// Unicode code points decoded from UTF-8. Pure functions: safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace crossocr {

// Decodes UTF-8. Engines and label files can hand us broken bytes, so this never throws: each
// maximal ill-formed subsequence (the Unicode-recommended unit) becomes one U+FFFD.
std::u32string to_code_points(std::string_view utf8);

// Encodes code points as UTF-8; surrogates and values above U+10FFFF become U+FFFD.
std::string to_utf8(std::u32string_view code_points);

// Simple one-to-one lower-casing: ASCII, Latin-1, Latin Extended-A, Latin Extended Additional,
// Greek, Cyrillic, Armenian and fullwidth Latin. Enough to compare labels case-insensitively;
// it is not full Unicode case folding ("ẞ" becomes "ß", never "ss").
char32_t to_lower(char32_t c);

// to_lower() on every code point: the one case fold, for every comparison that ignores case.
std::u32string folded(std::u32string code_points);
std::u32string folded(std::string_view utf8);

// left is the expected text (the label), right is what was read.
enum class EditOp {
  kMatch,       // same character on both sides
  kSubstitute,  // left character read as a different right character
  kInsert,      // right character with nothing on the left (read something that is not there)
  kDelete,      // left character with nothing on the right (missed a character)
};

struct AlignedPair {
  EditOp op = EditOp::kMatch;
  std::string left;      // one UTF-8 character, empty for kInsert
  std::string right;     // one UTF-8 character, empty for kDelete
  int left_index = -1;   // code-point position in left, -1 for kInsert
  int right_index = -1;  // code-point position in right, -1 for kDelete
};

// A minimum-edit-distance (Levenshtein, unit costs) alignment, in reading order. Among equally
// short alignments the choice is fixed: tracing back from the end, a match or substitution is
// preferred over a delete, and a delete over an insert, so inserts and deletes land as early in
// the text as the optimum allows. Case-sensitive by default; with case_sensitive = false two
// characters equal under to_lower() are a kMatch that keeps both original characters.
// Costs O(left * right) bytes of memory: meant for lines and labels, not whole books.
std::vector<AlignedPair> align(std::string_view left, std::string_view right,
                               bool case_sensitive = true);

// Levenshtein distance in code points, case-sensitive. Equals the number of pairs from align()
// that are not kMatch.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The same over any symbol sequence, e.g. words interned as numbers.
std::size_t edit_distance(std::u32string_view a, std::u32string_view b);

}  // namespace crossocr
