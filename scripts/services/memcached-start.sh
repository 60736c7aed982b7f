#!/usr/bin/env bash
# Start a throw-away memcached on 127.0.0.1 (Debian package `memcached`), remembered by PID.
# Usage: memcached-start.sh [BASE_DIR]     Env: MEMCACHED_PORT (11211)
set -euo pipefail
BASE=${1:-/tmp/coffer-memcached}
PORT=${MEMCACHED_PORT:-11211}
if ! command -v memcached >/dev/null; then
  timeout 300 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq --no-install-recommends memcached >/dev/null
fi
mkdir -p "$BASE"
if [ -f "$BASE/memcached.pid" ] && kill -0 "$(cat "$BASE/memcached.pid")" 2>/dev/null; then
  echo "memcached: already running (pid $(cat "$BASE/memcached.pid"))"; exit 0
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "memcached: something already listens on 127.0.0.1:$PORT; using it"; exit 0
fi
# -u root: the daemon refuses to run as root without it; it only listens on loopback.
memcached -d -u root -l 127.0.0.1 -p "$PORT" -m 64 -P "$BASE/memcached.pid"
# The daemon may listen before it has written its PID file: wait for both.
for _ in $(seq 1 50); do [ -s "$BASE/memcached.pid" ] && (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
echo "memcached: listening on 127.0.0.1:$PORT (pid $(cat "$BASE/memcached.pid"))"
