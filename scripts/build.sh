#!/usr/bin/env bash
# Builds sluice. Usage: scripts/build.sh [release|asan]
#   release (default): build/ with the `sluice` binary and the microbenchmarks
#   asan:              build-asan/ with the unit tests under AddressSanitizer + UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
jobs=${SLUICE_BUILD_JOBS:-$(nproc)}
case "$kind" in
  release)
    cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_BUILD_TESTS=OFF >/dev/null
    ninja -C build -j"$jobs"
    ;;
  asan)
    cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=ON \
      -DSLUICE_BUILD_BENCH=OFF >/dev/null
    ninja -C build-asan -j"$jobs"
    ;;
  *) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac
