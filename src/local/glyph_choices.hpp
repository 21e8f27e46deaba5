// How the local readers keep a glyph's runners-up.
#pragma once

#include "crossocr/reading.hpp"

#include <algorithm>
#include <vector>

namespace crossocr {

// The runners-up a Glyph keeps: the `most` likeliest of `choices`, likeliest first.
inline void keep_likeliest(std::vector<GlyphChoice>& choices, std::size_t most = 3) {
  std::sort(choices.begin(), choices.end(),
            [](const GlyphChoice& a, const GlyphChoice& b) { return a.confidence > b.confidence; });
  if (choices.size() > most) choices.resize(most);
}

}  // namespace crossocr
