#!/usr/bin/env bash
# Installs the Debian 12 packages crossocr needs (only those missing, so a second run is quick)
# and builds it in ./build. Run from anywhere; needs root or sudo only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake g++ make pkg-config ca-certificates
  libtesseract-dev libleptonica-dev tesseract-ocr tesseract-ocr-eng
  libopencv-dev libcurl4-openssl-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libcpp-httplib-dev libsqlite3-dev libssl-dev zlib1g-dev chromium
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >&2
