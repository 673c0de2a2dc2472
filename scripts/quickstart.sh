#!/usr/bin/env bash
# One command from a fresh Debian machine to a running demo: installs what sluice needs,
# builds it, and runs `sluice quickstart` (a throwaway Postgres with demo data, every change
# printed to this terminal). Ctrl-C stops and cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
exec build/sluice quickstart
