#!/usr/bin/env bash
# Sets up (with what `crossocr adapt` trains with: its tests train for real, and clang for the
# fuzz build), builds, and runs the whole test suite (CTest over GoogleTest), then each libFuzzer
# target under ASan and UBSan (tools/fuzz.sh: its own clang build in build-fuzz/) from a fixed
# seed for a fixed number of inputs (at most 60 s each), so that CI tries what a local run of the
# same code tried.
# Last, the suite's fast part under ASan and UBSan (tools/sanitize.sh, in the same fuzz build's
# tree, so the instrumented library is compiled once); CROSSOCR_SANITIZE_SUITE=0 leaves it out.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --training --checks
(cd build && ctest --output-on-failure -j"$(nproc)")
FUZZ_SEED=1 FUZZ_RUNS=ci tools/fuzz.sh all 60
if [ "${CROSSOCR_SANITIZE_SUITE:-1}" != "0" ]; then
  tools/sanitize.sh
fi
