// Per-user file locations after the XDG base directory convention.
#pragma once

#include <optional>
#include <string>

namespace crossocr {

// $<xdg_variable>/crossocr/<file>, else $HOME/<home_relative>/crossocr/<file>; nothing when
// neither variable is set.
std::optional<std::string> user_file(const char* xdg_variable, const char* home_relative,
                                     const std::string& file);

}  // namespace crossocr
