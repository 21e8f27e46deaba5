#!/usr/bin/env bash
# Installs the Debian 12 packages crossocr needs (only those missing, so a second run is quick)
# and builds it in ./build. Run from anywhere; needs root or sudo only when something is missing.
#   tools/setup.sh [--training]   --training: also what `crossocr adapt` trains with (PyTorch)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--training" ]; then
  tools/install_packages.sh python3-torch python3-onnx python3-opencv python3-pil python3-numpy fontconfig
fi

tools/install_packages.sh \
  cmake g++ make pkg-config ca-certificates \
  libtesseract-dev libleptonica-dev libpoppler-cpp-dev tesseract-ocr tesseract-ocr-eng \
  libopencv-dev libcurl4-openssl-dev nlohmann-json3-dev libcli11-dev \
  libgtest-dev libcpp-httplib-dev libsqlite3-dev libssl-dev zlib1g-dev chromium

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >&2
