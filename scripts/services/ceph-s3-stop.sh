#!/usr/bin/env bash
# Stop the throw-away Ceph started by ceph-s3-start.sh (by PID, from its pid files) and wipe it.
# Usage: ceph-s3-stop.sh [BASE_DIR [--keep]]   (/tmp/coffer-ceph by default;
#                                               --keep: leave BASE_DIR, e.g. to read logs)
set -uo pipefail
BASE=${1:-/tmp/coffer-ceph}
pids=()
for name in client.rgw.a osd.0 mon.a; do
  f="$BASE/run/$name.pid"
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" && pids+=("$pid")
done
for i in $(seq 1 100); do                 # up to 10 s for a clean exit (normally ~2 s)
  alive=0; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
  [ "$alive" = 0 ] && break; sleep 0.1
done
for pid in "${pids[@]}"; do
  kill -0 "$pid" 2>/dev/null && { echo "ceph-s3: pid $pid ignored SIGTERM, sending SIGKILL" >&2; kill -KILL "$pid"; }
done
rm -f "$BASE"/run/*.pid
# wipe only a folder that ceph-s3-start.sh made (it holds ceph.conf)
[ "${2:-}" = "--keep" ] || [ ! -f "$BASE/ceph.conf" ] || rm -rf "$BASE"
echo "ceph-s3: stopped"
