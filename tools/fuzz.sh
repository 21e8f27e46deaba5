#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang with ASan and UBSan) in build-fuzz/ and runs each
# for SECONDS (default 60), starting from its committed seeds in fuzz/corpus/TARGET. Fails when a
# target crashes, breaks an invariant or trips a sanitizer; the input that did it is kept in
# build-fuzz/crashes/TARGET/ (add it to fuzz/corpus/TARGET with the fix).
#   tools/fuzz.sh [TARGET|all] [SECONDS]
#   TARGET: decode_image, remote_answer, cli_options, labelled_set, reconciler
# Everything runs at nice 19 with at most two compile jobs: fuzzing is background work.
# FUZZ_SEED=N fixes libFuzzer's random seed and FUZZ_RUNS=ci stops each target after the inputs
# CI tries (the table below) if its time is not up first: with both, a run of the same code tries
# exactly the inputs an earlier one did, so CI repeats what was run here before committing.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(decode_image remote_answer cli_options labelled_set reconciler)
which="${1:-all}"
seconds="${2:-60}"
if [ "$which" = "all" ]; then
  targets=("${all_targets[@]}")
elif [[ " ${all_targets[*]} " == *" $which "* ]]; then
  targets=("$which")
else
  echo "fuzz.sh: no target '$which' (one of: ${all_targets[*]}, all)" >&2
  exit 2
fi

build() {
  if [ ! -f build-fuzz/CMakeCache.txt ]; then
    # Static: the targets carry the instrumented library inside them. No tests: only the targets.
    CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCROSSOCR_FUZZ=ON -DCROSSOCR_BUILD_TESTS=OFF -DBUILD_SHARED_LIBS=OFF >/dev/null
  fi
  local names=()
  for t in "${targets[@]}"; do names+=("fuzz_$t"); done
  nice -n 19 cmake --build build-fuzz -j2 --target "${names[@]}" >&2
}

# New inputs the fuzzer finds go to build-fuzz/corpus/TARGET; the committed seeds are only read.
# Inputs per target for FUZZ_RUNS=ci: about 20 s each on one idle core.
declare -A ci_runs=([decode_image]=4000 [remote_answer]=10000 [cli_options]=3000 [labelled_set]=10000
                    [reconciler]=200000)

run() {
  local t="$1" work="build-fuzz/corpus/$1" crashes="build-fuzz/crashes/$1"
  local runs=()
  if [ "${FUZZ_RUNS:-}" = ci ]; then
    runs=(-runs="${ci_runs[$t]}")
    rm -rf "$work"  # from the committed seeds alone, as on a fresh clone
  fi
  mkdir -p "$work" "$crashes"
  echo "== fuzz_$t for ${seconds}s" >&2
  # halt_on_error: the first sanitizer report ends the run with a failure, as a crash does.
  ASAN_OPTIONS="${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}" \
  nice -n 19 "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
    -max_len=16384 -print_final_stats=1 ${FUZZ_SEED:+-seed="$FUZZ_SEED"} "${runs[@]}" -artifact_prefix="$crashes/" "$work" "fuzz/corpus/$t" \
    >"build-fuzz/fuzz_$t.log" 2>&1
}

build
failed=()
for t in "${targets[@]}"; do
  if run "$t"; then
    grep -E "^stat::(number_of_executed_units|new_units_added)" "build-fuzz/fuzz_$t.log" | sed "s/^/  $t /" >&2 || true
  else
    failed+=("$t")
    echo "fuzz_$t FAILED (see build-fuzz/fuzz_$t.log; input in build-fuzz/crashes/$t/):" >&2
    grep -E "ERROR|runtime error|invariant|what\(\)|SUMMARY|Test unit written| #[0-9]+ 0x" "build-fuzz/fuzz_$t.log" | head -24 >&2 || true
    # On CI the build tree is gone afterwards: the log must carry the input itself.
    for crash in "build-fuzz/crashes/$t"/*; do
      if [ -f "$crash" ] && [ "$(stat -c %s "$crash")" -le 4096 ]; then
        echo "  input $(basename "$crash") (base64): $(base64 -w0 "$crash")" >&2
      fi
    done
  fi
done
if ((${#failed[@]})); then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz.sh: ${targets[*]}: no crash in ${seconds}s each" >&2
