#!/usr/bin/env bash
# One command from a fresh Debian machine to the whole test suite: installs everything
# (Debian packages, Python test libraries, the Kafka jars), builds the release binary and the
# sanitizer build, then runs the unit tests (ASan+UBSan), the integration tests against real
# Postgres/Redis/Kafka started here, and the benchmark smoke run.
#
# Run one part: scripts/test.sh unit | integration [pytest args...] | bench
set -euo pipefail
cd "$(dirname "$0")/.."
part=${1:-all}
[ $# -gt 0 ] && shift

scripts/install-deps.sh
python3 -m pip install -q --disable-pip-version-check -r tests/requirements.txt

run_unit() {
  scripts/build.sh asan
  echo "== unit tests (AddressSanitizer + UndefinedBehaviorSanitizer)"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j2 --timeout 300
}

run_integration() {
  scripts/build.sh release
  echo "== integration tests (real Postgres, Redis, Kafka on loopback)"
  # Paths given select what runs (e.g. tests/integration/kafka); options alone apply to all.
  local args=("$@")
  case "${1:-}" in "" | -*) args=(tests/integration "$@") ;; esac
  python3 -m pytest -x -q "${args[@]}"
}

run_bench_smoke() {
  scripts/build.sh release
  if [ -f bench/run.py ]; then
    echo "== benchmark smoke run"
    python3 bench/run.py --smoke
  fi
}

case "$part" in
  unit) run_unit ;;
  integration) run_integration "$@" ;;
  bench) run_bench_smoke ;;
  all) run_unit; run_integration "$@"; run_bench_smoke ;;
  *) echo "usage: $0 [all|unit|integration|bench]" >&2; exit 2 ;;
esac
