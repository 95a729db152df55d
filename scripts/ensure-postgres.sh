#!/bin/sh
# Succeeds when the PostgreSQL of $1 (a DATABASE_URL) answers; starts a local cluster
# that is installed but down.
url="$1"
hostport=$(echo "$url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/:]+)(:([0-9]+))?/.*#\2 \4#')
host=$(echo "$hostport" | cut -d' ' -f1)
port=$(echo "$hostport" | cut -d' ' -f2)
port=${port:-5432}
command -v pg_isready >/dev/null || exit 1
pg_isready -q -h "$host" -p "$port" && exit 0
if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
  done
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    pg_isready -q -h "$host" -p "$port" && exit 0
    sleep 1
  done
fi
exit 1
