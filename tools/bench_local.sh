#!/usr/bin/env bash
# Throughput of local mode against stock Tesseract on the same strips.
#   tools/bench_local.sh [IMAGE_DIR] [COUNT]     (default: data/xor-strips, 300 images)
# crossocr reads the whole batch in one process (engines initialised once per thread); stock
# `tesseract IMAGE - --psm 7` runs once per image, as a user calling it from a script would.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-data/xor-strips}
count=${2:-300}
crossocr=${CROSSOCR:-build/crossocr}
mapfile -t images < <(find "$dir" -maxdepth 1 -name '*.png' | sort | head -n "$count")
n=${#images[@]}
((n > 0)) || { echo "no PNG images in $dir" >&2; exit 2; }

now() { date +%s.%N; }
calc() { awk "BEGIN { print $1 }"; }

start=$(now)
"$crossocr" --mode local --format jsonl -o /dev/null "${images[@]}" || true
crossocr_s=$(calc "$(now) - $start")

start=$(now)
for image in "${images[@]}"; do tesseract "$image" - --psm 7 >/dev/null 2>&1 || true; done
stock_s=$(calc "$(now) - $start")

printf 'images: %d from %s on %d cores\n' "$n" "$dir" "$(nproc)"
printf 'crossocr --mode local: %7.2f s  %8.1f images/s\n' "$crossocr_s" "$(calc "$n / $crossocr_s")"
printf 'stock tesseract:       %7.2f s  %8.1f images/s\n' "$stock_s" "$(calc "$n / $stock_s")"
printf 'speed-up:              %7.1fx\n' "$(calc "$stock_s / $crossocr_s")"
