#!/usr/bin/env bash
# Installs Debian's Ceph packages for the throw-away S3 server (ceph-s3-start.sh), skipping
# those present: ceph-mon, ceph-osd, radosgw (the S3 gateway), ceph-common (ceph,
# monmaptool, radosgw-admin) and curl (the start script's readiness probe).
# Usage: scripts/services/ceph-s3-install.sh          (as root, on Debian 12)
set -euo pipefail

wanted=(ceph-mon:/usr/bin/ceph-mon ceph-osd:/usr/bin/ceph-osd radosgw:/usr/bin/radosgw ceph-common:/usr/bin/radosgw-admin curl:/usr/bin/curl)
missing=()
for entry in "${wanted[@]}"; do
  [ -e "${entry#*:}" ] || missing+=("${entry%%:*}")
done
[ ${#missing[@]} -eq 0 ] && { echo "ceph packages: all present"; exit 0; }

echo "ceph packages: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
timeout 300 apt-get update -qq
DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
