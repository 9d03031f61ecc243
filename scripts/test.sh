#!/usr/bin/env bash
# Runs every test of coze-gateway from a clean checkout: unit, contract, adapter, architecture and
# end-to-end tests (a real gateway on Netty against the Coze sandbox over loopback HTTP).
# It sets up what the tests need by itself; nothing needs to be running beforehand.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }

if ! need java || ! need mvn; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    echo "test.sh: installing a JDK and Maven from Debian's packages" >&2
    apt-get update -qq && apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
  else
    echo "test.sh: needs a JDK 17+ and Maven 3.8.7+ on PATH (Debian: apt-get install -y openjdk-17-jdk-headless maven)" >&2
    exit 1
  fi
fi

# The Redis adapter's tests start their own redis-server processes on free ports; they need the
# binary, never a server that happens to be running.
if ! need redis-server; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    echo "test.sh: installing redis-server from Debian's packages" >&2
    apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
  else
    echo "test.sh: needs redis-server on PATH (Debian: apt-get install -y redis-server)" >&2
    exit 1
  fi
fi

# -ntp keeps the log readable; -B never prompts. Tests start their own servers on free ports.
exec mvn -B -ntp clean verify "$@"
