// Debian's Tesseract parallelises each line's LSTM with OpenMP. With one engine per thread that
// oversubscribes the cores and makes a batch many times slower (tesseract issue #3109), so limit
// OpenMP to one thread per engine. libgomp reads OMP_THREAD_LIMIT once, in its own initialiser,
// before main() runs: setting it must happen in .preinit_array, which the dynamic loader runs
// before any shared library's initialiser. A value the user set is kept.
#include <cstdlib>

namespace {

void limit_openmp_threads(int, char**, char**) { setenv("OMP_THREAD_LIMIT", "1", 0); }

__attribute__((section(".preinit_array"), used)) void (*const preinit_entry)(int, char**, char**) =
    &limit_openmp_threads;

}  // namespace
