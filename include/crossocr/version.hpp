#pragma once

namespace crossocr {

// The library's version, "MAJOR.MINOR.PATCH".
const char* version();

}  // namespace crossocr
