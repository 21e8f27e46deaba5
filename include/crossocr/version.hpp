// The library's version. Safe from any thread.
#pragma once

namespace crossocr {

// The library's version, "MAJOR.MINOR.PATCH".
const char* version();

}  // namespace crossocr
