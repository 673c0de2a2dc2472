#!/usr/bin/env bash
# Installs everything sluice needs to build, run and test, from Debian packages only.
# Idempotent: skips apt when every package is already installed.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config clang-format
  postgresql postgresql-contrib libpq-dev
  libcurl4-openssl-dev libssl-dev libsqlite3-dev
  libyaml-cpp-dev nlohmann-json3-dev libcpp-httplib-dev libcli11-dev libfmt-dev
  librdkafka-dev libhiredis-dev redis-server openssl openjdk-17-jre-headless maven
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-requests procps
  libsimdjson-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
