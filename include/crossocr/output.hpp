// Results as JSON, and the labels.tsv escapes that keep one result on one text line. Pure
// functions: safe from any thread.
#pragma once

#include "crossocr/reading.hpp"
#include "crossocr/reader.hpp"

#include <string>
#include <string_view>

namespace crossocr {

std::string_view to_string(Mode mode);

// One result as a single-line JSON object (no trailing newline).
std::string result_to_json(const ImageResult& result);

// Escapes '\\', '\n' and '\t' the way labels.tsv files do, so one result stays on one line.
std::string escape_line(std::string_view text);

// Control characters other than newline and tab written as \xNN, so that text from an image, a
// provider or a file name cannot move the cursor, retitle or clear a terminal.
std::string without_control_characters(std::string_view text);

}  // namespace crossocr
