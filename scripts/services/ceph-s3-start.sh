#!/usr/bin/env bash
# Start a throw-away single-node Ceph (1 mon + 1 OSD + radosgw/S3) bound to 127.0.0.1 only.
# Needs (Debian 12): apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common curl
# Usage: ceph-s3-start.sh [BASE_DIR]          (a scratch folder, /tmp/coffer-ceph by default;
#                                              wiped and recreated)
# Env:   RGW_PORT (7480)  MON_PORT (6789)  OSD_STORE (memstore | bluestore)
#        S3_ACCESS_KEY  S3_SECRET_KEY        (credentials of the S3 user created)
# Writes $BASE/s3.env (S3_ENDPOINT, AWS_ACCESS_KEY_ID, ...): `set -a; . $BASE/s3.env; set +a`.
# Stop with ceph-s3-stop.sh [BASE_DIR]. Install the packages with scripts/install-system-packages.sh.
set -eEuo pipefail

BASE=${1:-/tmp/coffer-ceph}
RGW_PORT=${RGW_PORT:-7480}
MON_PORT=${MON_PORT:-6789}
OSD_STORE=${OSD_STORE:-memstore}
S3_ACCESS_KEY=${S3_ACCESS_KEY:-testaccesskey}
S3_SECRET_KEY=${S3_SECRET_KEY:-testsecretkey1234567890}
T0=$(date +%s.%N)
ts() { awk -v t0="$T0" -v t1="$(date +%s.%N)" 'BEGIN{printf "%6.2fs", t1-t0}'; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# refuse to start over a live cluster or on busy ports
for p in "$BASE"/run/*.pid; do
  [ -f "$p" ] && kill -0 "$(cat "$p")" 2>/dev/null && { echo "ceph-s3: already running ($p)" >&2; exit 1; }
done
for port in "$RGW_PORT" "$MON_PORT"; do
  port_busy "$port" && { echo "ceph-s3: 127.0.0.1:$port already in use" >&2; exit 1; }
done

# BASE is wiped: refuse a folder that holds something other than an earlier run of ours
if [ -d "$BASE" ] && [ -n "$(ls -A "$BASE")" ] && [ ! -f "$BASE/ceph.conf" ]; then
  echo "ceph-s3: $BASE is not empty and holds no ceph.conf; refusing to wipe it" >&2; exit 1
fi
rm -rf "$BASE"
mkdir -p "$BASE"/{mon.a,osd.0,run,log,rgw.a,crash}
FSID=$(cat /proc/sys/kernel/random/uuid)
export CEPH_CONF="$BASE/ceph.conf"

cat > "$CEPH_CONF" <<EOF
[global]
fsid = $FSID
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr2 = false
auth cluster required = none
auth service required = none
auth client required = none
run dir = $BASE/run
pid file = $BASE/run/\$name.pid
admin socket = $BASE/run/\$cluster-\$name.asok
log file = $BASE/log/\$name.log
mon cluster log file = $BASE/log/cluster.log
crash dir = $BASE/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1

[mon]
mon data = $BASE/mon.\$id
# commit map changes fast (default 1 s batching makes RGW's first-start pool creation take ~10 s)
paxos propose interval = 0.05
paxos min wait = 0.01

[osd]
osd data = $BASE/osd.\$id
osd objectstore = $OSD_STORE
# memstore: objects live in the OSD's RAM (advertised capacity below); bluestore: sparse file on disk
memstore device bytes = 8589934592
bluestore block path = $BASE/osd.\$id.block
bluestore block create = true
bluestore block size = 10737418240
bluestore fsck on mount = false
osd memory target = 1073741824
# we place the OSD in CRUSH ourselves: its own boot-time update races the monmap when auth = none
osd crush update on start = false
osd class update on start = false
osd op num shards = 1
osd op num threads per shard = 2
osd mon shutdown timeout = 0.5

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw data = $BASE/rgw.a
rgw thread pool size = 64
rgw enable usage log = false
# deleted objects' data waits for the garbage collector, 2 h by default: with memstore that is
# RAM, which a few benchmark or large-file runs would fill
rgw gc obj min wait = 60
rgw gc processor period = 60
EOF

cleanup_on_error() {   # stop whatever this script already started (by pid file); keep logs
  trap - ERR
  echo "ceph-s3: start FAILED; stopping daemons; logs in $BASE/log" >&2
  for n in client.rgw.a osd.0 mon.a; do
    [ -f "$BASE/run/$n.pid" ] && kill -TERM "$(cat "$BASE/run/$n.pid")" 2>/dev/null || true
  done
  tail -n 15 "$BASE"/log/*.log >&2 2>/dev/null || true
  exit 1
}
trap cleanup_on_error ERR

# --- monitor ---------------------------------------------------------------
monmaptool --create --clobber --fsid "$FSID" --addv a "[v1:127.0.0.1:$MON_PORT]" "$BASE/monmap" >/dev/null
ceph-mon --mkfs -i a --monmap "$BASE/monmap" 2>>"$BASE/log/stderr.log"
ceph-mon -i a 2>>"$BASE/log/stderr.log"                    # daemonizes; pid -> run/mon.a.pid
timeout 60 ceph --connect-timeout 30 mon stat >/dev/null
echo "$(ts) mon up"

# --- OSD -------------------------------------------------------------------
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(timeout 30 ceph osd new "$OSD_UUID")
ceph-osd -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >>"$BASE/log/stderr.log" 2>&1
timeout 30 ceph osd crush add "osd.$OSD_ID" 1.0 root=default host=localhost >/dev/null 2>&1
ceph-osd -i "$OSD_ID" 2>>"$BASE/log/stderr.log"            # daemonizes; pid -> run/osd.0.pid
for i in $(seq 1 120); do
  timeout 10 ceph osd dump 2>/dev/null | grep -q "^osd.$OSD_ID up" && break
  # OSD died -> ERR trap (under load the daemon may not have written its pid file yet)
  [ ! -f "$BASE/run/osd.$OSD_ID.pid" ] || kill -0 "$(cat "$BASE/run/osd.$OSD_ID.pid")"
  sleep 0.5
done
timeout 10 ceph osd dump | grep -q "^osd.$OSD_ID up"
echo "$(ts) osd up"

# --- radosgw (S3) ----------------------------------------------------------
radosgw -n client.rgw.a 2>>"$BASE/log/stderr.log"          # daemonizes; pid -> run/client.rgw.a.pid
for i in $(seq 1 240); do
  curl -s -o /dev/null "http://127.0.0.1:$RGW_PORT/" && break
  # RGW died -> ERR trap (under load the daemon may not have written its pid file yet)
  [ ! -f "$BASE/run/client.rgw.a.pid" ] || kill -0 "$(cat "$BASE/run/client.rgw.a.pid")"
  sleep 0.25
done
curl -sf -o /dev/null "http://127.0.0.1:$RGW_PORT/"
echo "$(ts) rgw up"

timeout 60 radosgw-admin user create --uid=test --display-name="Test User" \
  --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >/dev/null

cat > "$BASE/s3.env" <<EOF
# CEPH_CONF lets fault tests start a second, private gateway on the same cluster.
CEPH_CONF=$BASE/ceph.conf
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_REGION=us-east-1
S3_FORCE_PATH_STYLE=true
AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY
AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY
EOF
echo "$(ts) ready: S3 endpoint http://127.0.0.1:$RGW_PORT (env in $BASE/s3.env)"
