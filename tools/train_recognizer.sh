#!/usr/bin/env bash
# Retrains models/strip_recognizer.onnx from generated strips (never from the evaluation sets).
# Installs the Debian packages training needs; neither CI nor users run this: the trained file is
# committed. The committed model is a 30-minute run (MINUTES=30) on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install_packages.sh python3-torch python3-onnx python3-pil python3-numpy \
  fonts-dejavu-core fonts-dejavu-extra fonts-liberation fonts-freefont-ttf fonts-urw-base35
exec /usr/bin/python3 tools/train_recognizer.py --minutes "${MINUTES:-30}" --out models/strip_recognizer.onnx
