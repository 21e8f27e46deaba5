// Letter case from glyph size. For c o s u v w x z (and their capitals) the two cases differ only
// in size, so a recogniser trained on words guesses; the height of the glyph against the line's
// capitals and lower-case letters tells. Used on single lines (strips).
#pragma once

#include "crossocr/reading.hpp"

#include <optional>
#include <string>
#include <vector>

namespace crossocr {

// True for the letters whose upper and lower case share a shape: c o s u v w x z.
bool case_told_by_size_only(char32_t letter);

// Whether `glyph_index`'s glyph is upper case, judged by its ink height (Glyph::ink_height;
// Tesseract's LSTM boxes are often as tall as the word) against the other glyphs of the reading;
// nothing when there are no reference glyphs to judge by, or the glyph is not such a letter.
std::optional<bool> upper_case_by_size(const Reading& reading, std::size_t glyph_index);

// Rewrites the case of every such letter whose size says otherwise, but never into a character
// outside `charset` (when given). Returns how many changed.
int correct_case_by_size(Reading& reading, const std::string& charset = {});

}  // namespace crossocr
