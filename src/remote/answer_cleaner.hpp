// Vision models wrap transcriptions in chatter: code fences, quotes, bold, "The text in the image
// is:". This takes the transcription out of such wrapping. A clean answer (no wrapping found) is
// returned with only surrounding white space trimmed: its characters are never touched.
#pragma once

#include <string>
#include <string_view>

namespace crossocr::remote {

std::string clean_answer(std::string_view raw);

}  // namespace crossocr::remote
