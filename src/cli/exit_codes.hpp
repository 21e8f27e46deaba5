// crossocr's exit statuses, documented in the README and --help. Apart from the flags so that the
// launcher (launcher.cpp), which links nothing of the reader, says the same status.
#pragma once

namespace crossocr::cli {

enum ExitCode : int {
  kExitOk = 0,           // every image was read
  kExitImageFailed = 1,  // at least one image could not be read (the others were)
  kExitUsage = 2,        // bad flags or arguments
  kExitConfig = 3,       // misconfiguration: Tesseract data missing, output not writable
  kExitFlagged = 5,      // --strict: every image was read, but some result is flagged for review
};

}  // namespace crossocr::cli
