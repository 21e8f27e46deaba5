// Output formats: the one place where results become text or JSON.
#pragma once

#include "crossocr/reading.hpp"
#include "crossocr/runner.hpp"

#include <string>
#include <string_view>

namespace crossocr {

std::string_view to_string(Mode mode);

// One result as a single-line JSON object (no trailing newline).
std::string result_to_json(const ImageResult& result);

// Escapes '\\', '\n' and '\t' the way labels.tsv files do, so one result stays on one line.
std::string escape_line(std::string_view text);

}  // namespace crossocr
