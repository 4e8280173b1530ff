#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL 15 started in a temporary data directory.
# The server listens on 127.0.0.1 on a free port; DATABASE_URL points at it for the command.
# It is stopped and its directory removed when the command ends, whatever its exit status.
# As root, the server runs as an unprivileged user (postgres, or kruzhok-pg created on demand).
set -euo pipefail

find_pg_bin() {
  for dir in "${PG_BIN:-}" /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -n "$dir" ] && [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
  done
  command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
  return 1
}

PG_BIN=$(find_pg_bin || true)
if [ -z "$PG_BIN" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "with-postgres: installing PostgreSQL 15 from Debian's packages" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
    PG_BIN=$(find_pg_bin)
  else
    echo "with-postgres: PostgreSQL server binaries not found (set PG_BIN)" >&2
    exit 1
  fi
fi

RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  PG_USER=postgres
  if ! id "$PG_USER" >/dev/null 2>&1; then
    PG_USER=kruzhok-pg
    id "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  fi
  RUN_AS=(runuser -u "$PG_USER" --)
fi

PORT=${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')}
DATA_DIR=$(mktemp -d /tmp/kruzhok-pg.XXXXXX)
chmod 755 "$DATA_DIR"
[ ${#RUN_AS[@]} -gt 0 ] && chown "$PG_USER" "$DATA_DIR"

cleanup() {
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT INT TERM

"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$DATA_DIR/data" -U kruzhok --auth=trust -E UTF8 \
  --locale=C.UTF-8 >"$DATA_DIR/initdb.log" 2>&1 || { cat "$DATA_DIR/initdb.log" >&2; exit 1; }
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$DATA_DIR/data" -l "$DATA_DIR/server.log" -w -t 60 \
  -o "-h 127.0.0.1 -p $PORT -k $DATA_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=${PG_MAX_CONNECTIONS:-200}" \
  start >/dev/null || { cat "$DATA_DIR/server.log" >&2; exit 1; }
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U kruzhok kruzhok

export DATABASE_URL="postgresql://kruzhok@127.0.0.1:$PORT/kruzhok"
export PG_BIN PGPORT=$PORT PGHOST=127.0.0.1 PGUSER=kruzhok
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT" >&2
set +e
"$@"
status=$?
exit $status
