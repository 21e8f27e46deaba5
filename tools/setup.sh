#!/usr/bin/env bash
# Installs the Debian 12 packages crossocr needs (only those missing, so a second run is quick)
# and builds it in ./build. Run from anywhere; needs root or sudo only when something is missing.
#   tools/setup.sh [--reader-only] [--training] [--checks]
#     --reader-only: only what reading needs, and no test suite (tools/demo.sh: the quick start);
#                    without it the test suite's packages come too and it is built
#     --training: also what `crossocr adapt` trains with (PyTorch)
#     --checks: also what tools/fuzz.sh builds with (clang, its sanitizer runtimes with libFuzzer,
#               its OpenMP), strace (a test kills the CLI between writes with it) and
#               xmllint (tests validate ALTO and hOCR output with it);
#               tools/sanitize.sh needs only g++'s own ASan and UBSan
set -euo pipefail
cd "$(dirname "$0")/.."

tests=ON
for option in "$@"; do
  case "$option" in
    --reader-only)
      tests=OFF ;;
    --training)
      tools/install_packages.sh python3-torch python3-onnx python3-opencv python3-pil python3-numpy fontconfig ;;
    --checks)
      tools/install_packages.sh clang libclang-rt-14-dev libomp-14-dev strace libxml2-utils python3-lxml ;;
    *)
      echo "setup.sh: unknown option $option (--reader-only, --training, --checks)" >&2
      exit 2 ;;
  esac
done

packages=(
  cmake g++ make pkg-config ca-certificates
  libtesseract-dev libleptonica-dev libpoppler-cpp-dev libpng-dev libjpeg-dev tesseract-ocr tesseract-ocr-eng
  libopencv-dev libdnnl-dev ocl-icd-opencl-dev libonnx-dev libprotobuf-dev libcurl4-openssl-dev nlohmann-json3-dev libcli11-dev
  libsqlite3-dev libssl-dev zlib1g-dev
)
# ocl-icd-opencl-dev: oneDNN's CMake package requires OpenCL (its GPU runtime) although Debian's
# libdnnl-dev only recommends it, and recommendations are not installed.
# The tests' own: GoogleTest, a loopback HTTP server, and a browser to open the HTML report.
# One call with the reader's packages, so a fresh machine runs apt-get update once for both.
[ "$tests" = OFF ] || packages+=(libgtest-dev libcpp-httplib-dev chromium)
tools/install_packages.sh "${packages[@]}"

# Said every time: a tree set up --reader-only gets its tests back from a plain setup.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCROSSOCR_BUILD_TESTS="$tests" >/dev/null
cmake --build build -j"$(nproc)" >&2
