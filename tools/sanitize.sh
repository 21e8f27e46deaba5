#!/usr/bin/env bash
# Runs the fast part of the suite under AddressSanitizer and UndefinedBehaviorSanitizer, in the
# fuzz build's tree (build-fuzz/: clang, the library and CLI instrumented; see tools/fuzz.sh), so
# that CI compiles the instrumented library once for both. Extra arguments go to ctest.
#   tools/sanitize.sh [CTEST_ARGS...]
# Everything runs at nice 19 with at most two jobs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Not run here (each is covered by the normal suite without sanitizers):
#  - BundledSets/Accuracy.*, Calibration.*: read whole labelled sets, minutes even unsanitized;
#  - Adapt.*: trains a network in Python for minutes (the C++ side is the CLI's, tested elsewhere);
#  - Install.*: builds a program against the installed library without -fsanitize, which cannot
#    link an ASan-instrumented libcrossocr.
slow='^(BundledSets/Accuracy\.|Calibration\.|Adapt\.|Install\.)'

if [ ! -f build-fuzz/CMakeCache.txt ]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCROSSOCR_FUZZ=ON -DBUILD_SHARED_LIBS=OFF >/dev/null
fi
cmake build-fuzz -DCROSSOCR_BUILD_TESTS=ON >/dev/null
# Only what the suite runs (the test binary, the CLI and the loopback provider it starts).
nice -n 19 cmake --build build-fuzz -j2 --target crossocr_tests >&2

# halt_on_error: the first report fails its test (UBSan would otherwise print and go on).
# detect_leaks=0: LeakSanitizer reports the process-lifetime allocations Tesseract and OpenMP
# make and never free (language data, thread pools) in the tests that read with them, which are
# not ours to fix; memory errors and undefined behaviour are what this run is for. (The fuzz
# targets, which load neither, do check for leaks.)
# The test program, linked with the static library there, finds no library folder to find its
# models from: point it at the tree's.
export CROSSOCR_MODELS="$PWD/build-fuzz/share/crossocr/models"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
cd build-fuzz
nice -n 19 ctest --output-on-failure -j2 -E "$slow" "$@"
