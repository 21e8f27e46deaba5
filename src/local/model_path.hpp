// Where the local networks' files are looked for.
#pragma once

#include <string>

namespace crossocr {

// `file` in $CROSSOCR_MODELS when set, else in the installed share folder when it is there, else
// in the source tree's models/.
std::string default_model_path(const std::string& file);

}  // namespace crossocr
