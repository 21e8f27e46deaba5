#!/usr/bin/env bash
# Sets up, builds, and reads the bundled seed strip in local mode (prints ZGUVU).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --reader-only
build/crossocr --mode local data/seed/zguvu.png
