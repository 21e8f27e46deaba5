// How the local engine chooses among the candidate readings of one line: by the calibrated
// probability that each is exactly right, with exceptions the calibration cannot see.
#pragma once

#include "local/calibration.hpp"

#include <string>

namespace crossocr {

// When the networks' best candidate is this probable, Tesseract is not asked: it would cost more
// than the whole rest of the read for a reading it almost never changes.
inline constexpr double kSureWithoutTesseract = 0.97;
// Nor when the most probable text is the strip recogniser's code of 4-7 letters and digits with
// every letter at least this probable (it is asked only when the line reader saw a code or could
// not make the line out): on CAPTCHA-like strips Tesseract rarely improves on it, and the
// generated lines the calibration is fitted on are harder for it than real CAPTCHAs, so the
// calibrated probability alone would send nearly every strip to Tesseract.
inline constexpr double kStripRecognizerSure = 0.65;

// The least confidence of a reading's glyphs (0 without glyphs).
double weakest_glyph(const Reading& reading);

// The candidate most probably right, with that probability as its confidence. Where several
// readers read that very text, the glyphs (confidences, boxes, runners-up) are those of the reader
// surest of its weakest letter: a vote weighs them letter by letter.
Reading most_probable(const LineEvidence& evidence, const Calibration& calibration);

// Whether `best` (of the networks alone) may stand without asking Tesseract.
bool sure_without_tesseract(const LineEvidence& evidence, const Reading& best);

// The reading once every reader has spoken: the most probable, unless a recogniser adapted to the
// user's kind is sure of a different text that no second reader contradicts it with, or the line
// reader, alone with its text, is unsure of it where Tesseract's variants agree on a text close to
// it (see candidate_choice.cpp).
Reading final_choice(const LineEvidence& evidence, const Calibration& calibration);

}  // namespace crossocr
