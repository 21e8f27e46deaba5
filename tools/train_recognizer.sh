#!/usr/bin/env bash
# Retrains models/strip_recognizer.onnx from generated strips (never from the evaluation sets).
# Installs the Debian packages training needs; neither CI nor users run this: the trained file is
# committed. The committed model is a 30-minute run (MINUTES=30) on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(python3-torch python3-onnx python3-pil python3-numpy
          fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-freefont-ttf fonts-urw-base35)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
exec /usr/bin/python3 tools/train_recognizer.py --minutes "${MINUTES:-30}" --out models/strip_recognizer.onnx
