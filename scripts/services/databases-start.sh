#!/usr/bin/env bash
# Make sure PostgreSQL, MariaDB and Redis answer on 127.0.0.1 (this machine kind starts them
# before a session; this starts any that stopped, with the same commands).
set -uo pipefail
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() { for _ in $(seq 1 100); do up "$1" && return 0; sleep 0.2; done; echo "$2 did not start on port $1" >&2; return 1; }

if ! up 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start && wait_for 5432 PostgreSQL
fi
if ! up 3306; then
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd && wait_for 3306 MariaDB
fi
if ! up 6379; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log && wait_for 6379 Redis
fi
up 5432 && up 3306 && up 6379 && echo "databases: PostgreSQL, MariaDB and Redis are up"
