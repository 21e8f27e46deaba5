#include "local/look_alike_repair.hpp"

#include "text/glyph_map.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

namespace crossocr {
namespace {

// The letters each digit is mistaken for, most likely first.
std::string_view look_alikes(char digit) {
  switch (digit) {
    case '0': return "Oo";
    case '1': return "lI";
    case '2': return "Zz";
    case '3': return "E";
    case '4': return "A";
    case '5': return "Ss";
    case '6': return "Gb";
    case '8': return "B";
    case '9': return "gq";
    default: return "";
  }
}

bool is_letter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Words shorter than this are left alone: "B0X" may as well be a code as a box.
constexpr std::size_t kShortestWord = 4;
constexpr int kMostDigits = 2;

// The token's letters and digits between any punctuation around it: [begin, end) of `text`.
// True when it looks like a word with digits in it: ASCII letters and look-alike digits only,
// more letters than digits, at most kMostDigits digits and at least one.
bool worth_repairing(const std::string& text, std::size_t begin, std::size_t end) {
  if (end - begin < kShortestWord) return false;
  int letters = 0, digits = 0;
  for (std::size_t i = begin; i < end; ++i) {
    if (is_letter(text[i])) {
      ++letters;
    } else if (is_digit(text[i]) && !look_alikes(text[i]).empty()) {
      ++digits;
    } else {
      return false;
    }
  }
  return digits > 0 && digits <= kMostDigits && letters > digits;
}

// A letter stands in for a digit only when the reader itself weighed it there: on a code that
// clearly shows a 5 ("UP5ET"), S is no runner-up and the 5 stays.
constexpr double kLeastRunnerUp = 0.05;

// Whether the reader weighed `letter` for the glyph.
bool weighed(const Glyph& glyph, char letter) {
  return std::any_of(glyph.alternatives.begin(), glyph.alternatives.end(), [&](const GlyphChoice& choice) {
    return choice.text == std::string(1, letter) && choice.confidence >= kLeastRunnerUp;
  });
}

// The look-alike letters the glyph weighed, those in the case of the letters round them first
// ("Re5et" is "Reset", not "ReSet").
std::string letters_weighed(const Glyph& glyph, bool lower_case_round) {
  std::string letters;
  for (char letter : look_alikes(glyph.text[0])) {
    if (weighed(glyph, letter)) letters += letter;
  }
  std::stable_partition(letters.begin(), letters.end(), [&](char c) {
    return (std::islower(static_cast<unsigned char>(c)) != 0) == lower_case_round;
  });
  return letters;
}

// Whether the letter nearest to position i in [begin, end) is lower case.
bool lower_case_round(const std::string& text, std::size_t i, std::size_t begin, std::size_t end) {
  for (std::size_t d = 1; d < end - begin; ++d) {
    for (std::size_t j : {i - d, i + d}) {
      if (j >= begin && j < end && is_letter(text[j])) return std::islower(static_cast<unsigned char>(text[j])) != 0;
    }
  }
  return false;
}

// Tries every choice of look-alike for the digits at `positions` (in place); true when one makes
// the token a word, which is left in `text`.
bool try_look_alikes(std::string& text, const std::vector<std::size_t>& positions, const std::vector<std::string>& letters,
                     std::size_t next, std::size_t begin, std::size_t end,
                     const std::function<bool(const std::string&)>& is_word) {
  if (next == positions.size()) return is_word(text.substr(begin, end - begin));
  const char digit = text[positions[next]];
  for (char letter : letters[next]) {
    text[positions[next]] = letter;
    if (try_look_alikes(text, positions, letters, next + 1, begin, end, is_word)) return true;
  }
  text[positions[next]] = digit;
  return false;
}

// Whether text[i] is a small letter with nothing after it in its word (white space or the end).
bool small_letter_ending_a_word(const std::string& text, std::size_t i) {
  return std::islower(static_cast<unsigned char>(text[i])) != 0 &&
         (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1])) != 0);
}

// The digit a letter is mistaken for; 0 when none.
char digit_like(char letter) {
  for (char digit : std::string_view("0123456789")) {
    if (look_alikes(digit).find(letter) != std::string_view::npos) return digit;
  }
  return 0;
}

// The glyph of each character of the text (-1 for white space); empty when the glyphs do not spell
// the text, or the text is not ASCII (every repair is between ASCII letters and digits, so a
// character's index is its byte's).
std::vector<int> glyph_of_each_character(const Reading& reading) {
  const bool ascii = std::all_of(reading.text.begin(), reading.text.end(), [](unsigned char c) { return c < 0x80; });
  return ascii ? glyph_of_each_code_point(reading) : std::vector<int>{};
}

// Calls visit(begin, end) for each white-space-separated token of `text`, without the punctuation
// around it: [begin, end) from its first to its last letter or digit.
template <typename Visit>
void for_each_word(const std::string& text, Visit visit) {
  for (std::size_t start = 0; start < text.size();) {
    std::size_t stop = start;
    while (stop < text.size() && !std::isspace(static_cast<unsigned char>(text[stop]))) ++stop;
    std::size_t begin = start, end = stop;
    while (begin < end && !is_letter(text[begin]) && !is_digit(text[begin])) ++begin;
    while (end > begin && !is_letter(text[end - 1]) && !is_digit(text[end - 1])) --end;
    visit(begin, end);
    start = stop + 1;
  }
}

constexpr int kFewestDigitsOfANumber = 3;

bool is_upper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Letters that differ from their other case in size alone: a reader tells them by context.
bool size_only(char c) { return std::string_view("cosuvwxzCOSUVWXZ").find(c) != std::string_view::npos; }

// A word in lower case but for its first letter and capitals of size-only letters inside it
// ("InvOice"): those capitals become small where the reader weighed the small letter.
void repair_case_inside_word(Reading& reading, const std::vector<int>& glyph_at, std::size_t begin, std::size_t end) {
  std::vector<std::size_t> capitals;
  for (std::size_t i = begin + 1; i < end; ++i) {
    if (!is_upper(reading.text[i])) continue;
    if (!size_only(reading.text[i])) return;  // "McDonald", "iPhone": a case pattern of its own
    capitals.push_back(i);
  }
  if (capitals.empty() || capitals.size() * 2 >= end - begin) return;
  for (std::size_t i : capitals) {
    Glyph& glyph = reading.glyphs[glyph_at[i]];
    if (!weighed(glyph, lower(reading.text[i]))) continue;
    reading.text[i] = lower(reading.text[i]);
    glyph.text = std::string(1, reading.text[i]);
  }
}

// A token that is no word but becomes one with a single l read for I or I for l ("ltem", "SlGN")
// takes that one, where the reader weighed the other letter; two that would do leave it as read.
void repair_l_and_i(Reading& reading, const std::vector<int>& glyph_at, std::size_t begin, std::size_t end,
                    const std::function<bool(const std::string&)>& is_word) {
  std::string& text = reading.text;
  std::size_t found = std::string::npos;
  for (std::size_t i = begin; i < end; ++i) {
    if (text[i] != 'l' && text[i] != 'I') continue;
    const char other = text[i] == 'l' ? 'I' : 'l';
    if (!weighed(reading.glyphs[glyph_at[i]], other)) continue;
    std::string candidate = text.substr(begin, end - begin);
    candidate[i - begin] = other;
    if (!is_word(candidate)) continue;
    if (found != std::string::npos) return;
    found = i;
  }
  if (found == std::string::npos) return;
  text[found] = text[found] == 'l' ? 'I' : 'l';
  reading.glyphs[glyph_at[found]].text = std::string(1, text[found]);
}

}  // namespace

void repair_look_alike_letters(Reading& reading) {
  const std::vector<int> glyph_at = glyph_of_each_character(reading);
  if (glyph_at.empty()) return;
  std::string& text = reading.text;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t stop = start;  // a run of digits and letters that look like digits
    while (stop < text.size() && (is_digit(text[stop]) || digit_like(text[stop]) != 0)) ++stop;
    int digits = 0;
    std::vector<std::size_t> letters;
    for (std::size_t i = start; i < stop; ++i) {
      if (is_digit(text[i])) {
        ++digits;
      } else {
        letters.push_back(i);
      }
    }
    // A letter that opens the run is a code's ("I309" in "BGGM I309"), not a misread digit; a
    // small one that ends the word is a unit ("274g", "30s"): both readers of a label in a font
    // they never saw read "Green Battery 274g", and the repair made it 2749.
    if (digits >= kFewestDigitsOfANumber && letters.size() == 1 && letters.front() > start &&
        !small_letter_ending_a_word(text, letters.front())) {
      const std::size_t i = letters.front();
      Glyph& glyph = reading.glyphs[glyph_at[i]];
      const std::string digit(1, digit_like(text[i]));
      for (const GlyphChoice& choice : glyph.alternatives) {
        if (choice.text == digit && choice.confidence >= kLeastRunnerUp) {
          text[i] = digit[0];
          glyph.text = digit;
          break;
        }
      }
    }
    start = stop == start ? start + 1 : stop;
  }
}

void repair_look_alike_digits(Reading& reading, const std::function<bool(const std::string&)>& is_word) {
  const std::vector<int> glyph_at = glyph_of_each_character(reading);  // the repair changes both
  if (glyph_at.empty()) return;

  std::string& text = reading.text;
  for_each_word(text, [&](std::size_t begin, std::size_t end) {
    if (!worth_repairing(text, begin, end)) return;
    std::vector<std::size_t> digits;
    std::vector<std::string> letters;
    for (std::size_t i = begin; i < end; ++i) {
      if (!is_digit(text[i])) continue;
      digits.push_back(i);
      letters.push_back(letters_weighed(reading.glyphs[glyph_at[i]], lower_case_round(text, i, begin, end)));
    }
    if (try_look_alikes(text, digits, letters, 0, begin, end, is_word)) {
      for (std::size_t i : digits) reading.glyphs[glyph_at[i]].text = std::string(1, text[i]);
    }
  });
}

void repair_look_alike_letters_in_words(Reading& reading, const std::function<bool(const std::string&)>& is_word) {
  const std::vector<int> glyph_at = glyph_of_each_character(reading);
  if (glyph_at.empty()) return;
  for_each_word(reading.text, [&](std::size_t begin, std::size_t end) {
    const std::string& text = reading.text;
    // Letters alone: "0lmDb" is a code, whatever its letters spell.
    const bool letters_only = std::all_of(text.begin() + static_cast<long>(begin),
                                          text.begin() + static_cast<long>(end), is_letter);
    if (!letters_only || end - begin < kShortestWord) return;
    if (is_word(text.substr(begin, end - begin))) {
      repair_case_inside_word(reading, glyph_at, begin, end);
    } else {
      repair_l_and_i(reading, glyph_at, begin, end, is_word);
    }
  });
}

}  // namespace crossocr
