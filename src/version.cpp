#include "crossocr/version.hpp"

namespace crossocr {

const char* version() { return CROSSOCR_VERSION; }


}  // namespace crossocr
