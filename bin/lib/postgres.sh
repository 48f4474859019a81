# shellcheck shell=bash
# Sourced by bin/dev and bin/test. Leaves DATABASE_URL pointing at a running
# PostgreSQL: the one already in DATABASE_URL, or a private cluster under
# .dev/pg that this script creates once and starts on a unix socket (no port
# to collide with). Sets AH_PG_STARTED=1 when it started the cluster itself.

AH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
AH_PG_STARTED=0

ah_find_pg_bin() {
  local candidate
  if command -v pg_config >/dev/null 2>&1; then
    candidate="$(pg_config --bindir 2>/dev/null)"
    [ -x "$candidate/initdb" ] && { echo "$candidate"; return 0; }
  fi
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) \
                   /usr/local/pgsql/bin /opt/homebrew/bin /usr/local/bin /usr/bin; do
    [ -x "$candidate/initdb" ] && [ -x "$candidate/pg_ctl" ] && { echo "$candidate"; return 0; }
  done
  return 1
}

# Runs a PostgreSQL server program; as root, through an unprivileged user,
# because initdb and postgres refuse to run as root.
ah_pg_run() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u "$AH_PG_USER" -- "$@"
  else
    "$@"
  fi
}

ah_ensure_database() {
  if [ -n "${DATABASE_URL:-}" ]; then
    return 0
  fi
  local pg_bin
  if ! pg_bin="$(ah_find_pg_bin)"; then
    cat >&2 <<'MSG'
PostgreSQL server programs (initdb, pg_ctl) were not found.
Install PostgreSQL 15 or newer, then run this command again:
  Debian/Ubuntu:  sudo apt-get install postgresql
  Fedora/RHEL:    sudo dnf install postgresql-server postgresql-contrib
  macOS:          brew install postgresql@16
Or point DATABASE_URL at a PostgreSQL you already run.
MSG
    exit 1
  fi

  local pgdir="$AH_ROOT/.dev/pg"
  local sockdir="$pgdir/run"
  # A unix socket path must stay under ~100 bytes.
  if [ "${#sockdir}" -gt 80 ]; then
    sockdir="/tmp/advisoryhub-pg-$(printf '%s' "$pgdir" | sha256sum | cut -c1-12)"
  fi
  mkdir -p "$pgdir" "$sockdir"

  AH_PG_USER="$(id -un)"
  if [ "$(id -u)" = 0 ]; then
    AH_PG_USER=postgres
    if ! id "$AH_PG_USER" >/dev/null 2>&1; then
      useradd --system --no-create-home --shell /usr/sbin/nologin "$AH_PG_USER"
    fi
    chown "$AH_PG_USER" "$pgdir" "$sockdir"
  fi

  if [ ! -f "$pgdir/data/PG_VERSION" ]; then
    echo "Creating a private PostgreSQL cluster in $pgdir/data" >&2
    ah_pg_run "$pg_bin/initdb" -D "$pgdir/data" -U advisoryhub --auth=trust \
      --encoding=UTF8 --no-locale >"$pgdir/initdb.log" 2>&1 \
      || { cat "$pgdir/initdb.log" >&2; exit 1; }
  fi

  if ! ah_pg_run "$pg_bin/pg_ctl" -D "$pgdir/data" status >/dev/null 2>&1; then
    ah_pg_run "$pg_bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -t 60 \
      -o "-c listen_addresses='' -c unix_socket_directories='$sockdir' -c max_connections=300 -c shared_buffers=128MB" \
      start >/dev/null || { tail -n 30 "$pgdir/server.log" >&2; exit 1; }
    AH_PG_STARTED=1
  fi
  AH_PG_CTL="$pg_bin/pg_ctl"
  AH_PG_DATA="$pgdir/data"

  if ! "$pg_bin/psql" -h "$sockdir" -U advisoryhub -d postgres -Atqc \
      "SELECT 1 FROM pg_database WHERE datname = 'advisoryhub'" | grep -q 1; then
    "$pg_bin/createdb" -h "$sockdir" -U advisoryhub advisoryhub
  fi
  export DATABASE_URL="postgres://advisoryhub@localhost/advisoryhub?host=$sockdir"
  AH_PG_BIN="$pg_bin"
  AH_PG_SOCKDIR="$sockdir"
}

ah_stop_database_if_started() {
  if [ "$AH_PG_STARTED" = 1 ]; then
    ah_pg_run "$AH_PG_CTL" -D "$AH_PG_DATA" -m fast stop >/dev/null 2>&1 || true
  fi
}
