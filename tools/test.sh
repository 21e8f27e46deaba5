#!/usr/bin/env bash
# Sets up, builds, and runs the whole test suite (CTest over GoogleTest).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cd build
ctest --output-on-failure -j"$(nproc)"
