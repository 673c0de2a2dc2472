#!/usr/bin/env bash
# Stops the broker that start.sh started from DIR (by its PID): SIGTERM, then SIGKILL after
# SLUICE_KAFKA_STOP_SECONDS (default 30). Data stays in DIR so start.sh can bring it back.
#   usage: scripts/kafka/stop.sh DIR
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
pidfile="$1/kafka.pid"
[ -f "$pidfile" ] || exit 0
pid="$(cat "$pidfile")"
if kill -0 "$pid" 2>/dev/null; then
  kill -TERM "$pid"
  deadline=$((SECONDS + ${SLUICE_KAFKA_STOP_SECONDS:-30}))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
fi
rm -f "$pidfile"
