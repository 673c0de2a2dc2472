#!/usr/bin/env bash
# Fetches the Kafka broker jars (org.apache.kafka:kafka_2.13 and its runtime dependencies, plus
# an slf4j binding) from Maven Central into a cache directory and prints that directory.
# Reruns reuse the cache: nothing is downloaded when the jars are already there.
#   usage: scripts/kafka/fetch.sh          -> prints e.g. /root/.cache/sluice/kafka-4.1.1/libs
# Env: KAFKA_VERSION picks another kafka_2.13 version (default: pom.xml's, 4.1.1), e.g.
#   KAFKA_VERSION=3.9.1 scripts/kafka/fetch.sh -> /root/.cache/sluice/kafka-3.9.1/libs
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${KAFKA_VERSION:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")}"
libs="${SLUICE_CACHE:-$HOME/.cache/sluice}/kafka-$version/libs"
if [ -f "$libs/.complete" ]; then
  echo "$libs"
  exit 0
fi
mkdir -p "$libs"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! mvn -B -q -f "$here/pom.xml" dependency:copy-dependencies \
    -Dkafka.version="$version" -DincludeScope=runtime -DoutputDirectory="$libs" >"$log" 2>&1; then
  echo "fetch.sh: mvn could not fetch kafka_2.13 $version:" >&2
  cat "$log" >&2
  exit 1
fi
ls "$libs"/kafka_2.13-"$version".jar >/dev/null
touch "$libs/.complete"
echo "$libs"
