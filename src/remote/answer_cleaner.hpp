// Vision models wrap transcriptions in chatter: code fences, quotes, bold, "The text in the image
// is:". This takes the transcription out of such wrapping. A clean answer (no wrapping found) is
// returned with only surrounding white space trimmed: its characters are never touched.
#pragma once

#include <string>
#include <string_view>

namespace crossocr::remote {

std::string clean_answer(std::string_view raw);

// A cleaned answer that declines instead of transcribing ("I'm sorry, I can't read the text in
// this image.", "There is no text in the image."): no reading of the image, to be an error, never
// a text that a vote might choose. Only sentences count: a one-word "SORRY" is a transcription.
bool is_refusal(std::string_view cleaned);

}  // namespace crossocr::remote
