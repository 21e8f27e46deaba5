#!/usr/bin/env bash
# Sets up (with what `crossocr adapt` trains with: its tests train for real), builds, and runs the
# whole test suite (CTest over GoogleTest).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --training
cd build
ctest --output-on-failure -j"$(nproc)"
