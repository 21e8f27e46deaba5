// The `crossocr` executable: a launcher that links only the C and C++ runtimes. It first starts
// itself again with glibc's malloc tuned (malloc_tuning.hpp); glibc reads those tunables only as a
// process starts. Only then does it load the command line and everything it links (OpenCV,
// Tesseract, oneDNN, curl: about 40 ms of relocation and static set-up on this machine), so that
// cost is paid once, not once before and once after the restart.
#include "cli/exit_codes.hpp"
#include "cli/malloc_tuning.hpp"

#include <dlfcn.h>

#include <cstdio>

namespace {

// The command line's library, found through this executable's run path (the build tree's
// library folder, or the installed one beside bin/).
constexpr const char* kCommandLineLibrary = "libcrossocr_cli.so";

}  // namespace

int main(int argc, char** argv) {
  crossocr::cli::rerun_with_huge_pages(argv);
  void* library = dlopen(kCommandLineLibrary, RTLD_LAZY | RTLD_LOCAL);
  if (library == nullptr) {
    std::fprintf(stderr, "crossocr: cannot load the command line (%s): %s\n", kCommandLineLibrary, dlerror());
    return crossocr::cli::kExitConfig;  // the installation is incomplete
  }
  using Main = int (*)(int, char**);
  const auto run = reinterpret_cast<Main>(dlsym(library, "crossocr_cli_main"));
  if (run == nullptr) {
    std::fprintf(stderr, "crossocr: %s has no crossocr_cli_main: %s\n", kCommandLineLibrary, dlerror());
    return crossocr::cli::kExitConfig;
  }
  return run(argc, argv);
}
