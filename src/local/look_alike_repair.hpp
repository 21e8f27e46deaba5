// Digits read in the middle of a word: "UNB0RN", "Bi1lboard", "Re5et". The readers see letters and
// digits that look alike (0/O, 1/l/I, 5/S, 8/B ...) and, on a code, rightly cannot tell them by
// context. A token made of letters with a digit or two among them is turned into a dictionary
// word when swapping those digits for their look-alike letters makes one; anything else (codes,
// numbers, serials, a token that stays a non-word) is left as read.
#pragma once

#include "crossocr/reading.hpp"

#include <functional>
#include <string>

namespace crossocr {

// `is_word`: whether a text is a dictionary word (case ignored). Text and glyphs change together;
// a reading whose glyphs do not spell its text character for character is left alone.
void repair_look_alike_digits(Reading& reading, const std::function<bool(const std::string&)>& is_word);

// The other way round: a letter in a number ("471l", "2O24") becomes the digit it looks like when
// at least three digits stand with it, it is the run's only letter and not its first (a code's
// letter group often opens with one: "I309"), not a small one ending the word (a unit: "274g"),
// and the reader weighed that digit there.
void repair_look_alike_letters(Reading& reading);

// Letters read as their look-alikes inside words of letters (at least four): a capital of a
// size-only letter inside an otherwise small word ("InvOice") becomes small, and a token that is
// no word becomes one by a single l for I or I for l ("ltem" -> "Item"); each only where the reader
// weighed the other letter for that glyph. `is_word` ignores case.
void repair_look_alike_letters_in_words(Reading& reading, const std::function<bool(const std::string&)>& is_word);

}  // namespace crossocr
