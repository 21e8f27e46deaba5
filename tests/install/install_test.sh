#!/usr/bin/env bash
# Installs the build into a temporary prefix, moves the prefix (an install must be relocatable),
# builds a small program against it with pkg-config and with CMake's find_package, and reads the
# seed strip with each, and with the installed CLI. Nothing may come from the source or build tree.
# The programs also read in remote and vote mode from a loopback provider (the tests' fake one,
# answering with the seed's response).
#   install_test.sh BUILD_DIR SOURCE_DIR FAKE_PROVIDER
set -euo pipefail
build=$1 source=$2 fake_provider=$3
work=$(mktemp -d)
coproc PROVIDER { "$fake_provider"; }
read -r base_url <&"${PROVIDER[0]}"
trap 'exec {PROVIDER[1]}>&-; rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/staged" >/dev/null
mv "$work/staged" "$work/prefix"
prefix=$work/prefix
cp "$source/data/seed/zguvu.png" "$work/seed.png"
expect_seed() {
  local got
  got=$("$@")
  [ "$got" = "ZGUVU" ] || { echo "FAIL: $* read '$got'" >&2; exit 1; }
  echo "ok: $*"
}

pc_dir=$(dirname "$(find "$prefix" -name crossocr.pc | head -n1)")
lib_dir=$(dirname "$(find "$prefix" -name 'libcrossocr.so' | head -n1)")
g++ -std=c++20 "$source/tests/install/read_seed.cpp" -o "$work/with_pkg_config" \
  $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs crossocr) -Wl,-rpath,"$lib_dir"
expect_seed "$work/with_pkg_config" "$work/seed.png" local
expect_seed "$work/with_pkg_config" "$work/seed.png" remote "$base_url"
expect_seed "$work/with_pkg_config" "$work/seed.png" vote "$base_url"

cmake -S "$source/tests/install" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/cmake-build" >/dev/null
expect_seed "$work/cmake-build/read_seed" "$work/seed.png" local
expect_seed "$work/cmake-build/read_seed" "$work/seed.png" vote "$base_url"

expect_seed "$prefix/bin/crossocr" "$work/seed.png"
# Without its models the installed copy refuses to run, naming where it looked.
rm -rf "$prefix/share/crossocr/models"
if err=$("$prefix/bin/crossocr" "$work/seed.png" 2>&1); then
  echo "FAIL: read without its models: $err" >&2; exit 1
fi
case $err in *"was not found in"*) echo "ok: a missing model is an error: $err" ;;
  *) echo "FAIL: unexpected error: $err" >&2; exit 1 ;; esac

# Without its command-line module the launcher exits 3, naming the file it could not load.
module=$lib_dir/libcrossocr_cli.so
[ -f "$module" ] || { echo "FAIL: libcrossocr_cli.so was not installed beside libcrossocr.so" >&2; exit 1; }
rm -f "$module"
status=0
err=$("$prefix/bin/crossocr" --version 2>&1) || status=$?
[ "$status" -eq 3 ] || { echo "FAIL: without its module the launcher exited $status: $err" >&2; exit 1; }
case $err in *"cannot load the command line"*"libcrossocr_cli.so"*) echo "ok: a missing module is an error: $err" ;;
  *) echo "FAIL: unexpected error: $err" >&2; exit 1 ;; esac
