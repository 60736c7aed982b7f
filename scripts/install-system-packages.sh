#!/usr/bin/env bash
# Installs the Debian packages Coffer's tests and benchmarks use, skipping those present:
#   ffmpeg (media probing, video posters), chromium (browser test),
#   nginx-light (benchmark baselines, coffer cluster and its tests), curl and wrk (benchmark
#   clients), fonts (readable screenshots),
#   apache2-utils (htpasswd: bcrypt hashes made by another library, for the import test),
#   python3-skimage (its astronaut.png portrait, for the face tests),
#   memcached, and Ceph (ceph-mon, ceph-osd, radosgw, ceph-common) for the throw-away S3
#   server of scripts/services/ceph-s3-start.sh.
# Usage: scripts/install-system-packages.sh          (as root, on Debian 12)
set -euo pipefail

wanted=(apache2-utils:/usr/bin/htpasswd ffmpeg:/usr/bin/ffprobe chromium:/usr/bin/chromium nginx-light:/usr/sbin/nginx curl:/usr/bin/curl wrk:/usr/bin/wrk fonts-dejavu-core:/usr/share/fonts/truetype/dejavu
  python3-skimage:/usr/lib/python3/dist-packages/skimage/data/astronaut.png
  memcached:/usr/bin/memcached ceph-mon:/usr/bin/ceph-mon ceph-osd:/usr/bin/ceph-osd radosgw:/usr/bin/radosgw ceph-common:/usr/bin/radosgw-admin)
missing=()
for entry in "${wanted[@]}"; do
  [ -e "${entry#*:}" ] || missing+=("${entry%%:*}")
done
[ ${#missing[@]} -eq 0 ] && { echo "system packages: all present"; exit 0; }

echo "system packages: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "run as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
timeout 300 apt-get update -qq
DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
