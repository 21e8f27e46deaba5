#!/usr/bin/env bash
# Builds crossocr and its tests with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-asan/ and runs the fast part of the suite under them. Extra arguments go to ctest.
#   tools/sanitize.sh [CTEST_ARGS...]
# gcc: the Debian libraries (Tesseract, OpenCV, GTest) are built with it, and its libasan works
# with them as they are. Everything runs at nice 19 with at most two jobs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Not run here (each is covered by the normal suite without sanitizers):
#  - BundledSets/Accuracy.*, Calibration.*: read whole labelled sets, minutes even unsanitized;
#  - Adapt.*: trains a network in Python for minutes (the C++ side is the CLI's, tested elsewhere);
#  - Install.*: builds a program against the installed library without -fsanitize, which cannot
#    link an ASan-instrumented libcrossocr.
slow='^(BundledSets/Accuracy\.|Calibration\.|Adapt\.|Install\.)'

if [ ! -f build-asan/CMakeCache.txt ]; then
  # -g1: line numbers in the sanitizers' reports at little build cost.
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Release -DCROSSOCR_SANITIZE=ON -DCMAKE_CXX_FLAGS=-g1 >/dev/null
fi
nice -n 19 cmake --build build-asan -j2 >&2

# halt_on_error: the first report fails its test (UBSan would otherwise print and go on).
# detect_leaks=0: LeakSanitizer reports the process-lifetime allocations Tesseract and OpenMP
# make and never free (language data, thread pools) in the tests that read with them, which are
# not ours to fix; memory errors and undefined behaviour are what this run is for. (The fuzz
# targets, which load neither, do check for leaks.)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
cd build-asan
nice -n 19 ctest --output-on-failure -j2 -E "$slow" "$@"
