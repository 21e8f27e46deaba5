// Which glyph of a reading stands behind each character of its text. Readers differ in whether a
// space is a glyph (the line reader's spaces are glyphs, Tesseract's and the line breaks between
// lines are not), so white space on either side stands for no glyph. Pure: safe from any thread.
#pragma once

#include "crossocr/reading.hpp"

#include <vector>

namespace crossocr {

// For each code point of reading.text, the index of its glyph in reading.glyphs, or -1 for
// white space; empty when the glyphs do not spell the text character for character (then
// nothing of a glyph can be said of a character).
std::vector<int> glyph_of_each_code_point(const Reading& reading);

}  // namespace crossocr
