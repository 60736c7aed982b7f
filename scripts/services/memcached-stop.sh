#!/usr/bin/env bash
# Stop the memcached started by memcached-start.sh, by its PID.
set -uo pipefail
BASE=${1:-/tmp/coffer-memcached}
[ -f "$BASE/memcached.pid" ] || exit 0
kill "$(cat "$BASE/memcached.pid")" 2>/dev/null && echo "memcached: stopped"
rm -f "$BASE/memcached.pid"
