#!/usr/bin/env bash
# Private PostgreSQL server for tests and local development.
#
#   scripts/infra/postgres.sh start|stop|status|url|createdb NAME
#
# See scripts/infra/README.md for the environment variables and where data lives.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
INFRA_DIR=${GOV_INFRA_DIR:-$REPO_ROOT/var/infra}
PG_HOST=127.0.0.1
PG_PORT=${GOV_PG_PORT:-25432}
START_TIMEOUT=${GOV_PG_START_TIMEOUT:-60}
# Used when $INFRA_DIR is not reachable by the postgres OS user (e.g. repo under /root);
# the hash is of the $INFRA_DIR path, so each checkout/infra dir gets its own fallback.
INFRA_HASH=$(printf '%s' "$INFRA_DIR" | sha256sum | cut -c1-12)
FALLBACK_DIR=/tmp/gov-infra-$INFRA_HASH

log() { printf '[postgres.sh] %s\n' "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

usage() {
    cat >&2 <<EOF
usage: $0 start|stop|status|url|createdb NAME

  start          start (or reuse) the test server; with GOV_PG_ADMIN_URL set, only check it answers
  stop           stop the private cluster if it is running
  status         exit 0 if the server answers
  url            print the admin URL (SQLAlchemy form, postgresql+psycopg://...)
  createdb NAME  create database NAME unless it exists (server must be running)
EOF
    exit 2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

admin_url() {
    if [ -n "${GOV_PG_ADMIN_URL:-}" ]; then
        printf '%s\n' "$GOV_PG_ADMIN_URL"
    else
        printf 'postgresql+psycopg://postgres@%s:%s/postgres\n' "$PG_HOST" "$PG_PORT"
    fi
}

# SQLAlchemy URL -> libpq URL: postgresql+psycopg://... -> postgresql://...
libpq_url() { admin_url | sed -E 's#^([A-Za-z][A-Za-z0-9]*)\+[A-Za-z0-9_]+://#\1://#'; }

# Newest /usr/lib/postgresql/<ver>/bin that contains $1 (empty if none).
pg_bin_dir_with() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        if [ -x "$d/$1" ]; then printf '%s\n' "$d"; fi
    done | sort -t/ -k5,5n | tail -n1
}

apt_install() {
    is_root || die "$* not installed and not root: install it (apt-get install -y $*) and retry"
    command -v apt-get >/dev/null || die "$* not installed and apt-get not available"
    log "installing $* from Debian (apt-get)..."
    export DEBIAN_FRONTEND=noninteractive
    local apt_opts=(-o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
    local apt_log
    apt_log=$(mktemp /tmp/gov-infra-apt.XXXXXX)
    apt-get "${apt_opts[@]}" update -qq >"$apt_log" 2>&1 || {
        tail -n 20 "$apt_log" >&2
        die "apt-get update failed"
    }
    # Keep the package scripts from starting any service (Debian's default cluster).
    local policy=/usr/sbin/policy-rc.d own_policy=0 rc=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && own_policy=1
    fi
    apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "$@" >>"$apt_log" 2>&1 || rc=$?
    [ "$own_policy" -eq 0 ] || rm -f "$policy"
    if [ "$rc" -ne 0 ]; then
        tail -n 30 "$apt_log" >&2
        die "apt-get install $* failed (log: $apt_log)"
    fi
    rm -f "$apt_log"
}

ensure_server_installed() {
    if [ -z "$(pg_bin_dir_with initdb)" ]; then
        # Do not let the package create and start Debian's default cluster on port 5432.
        if is_root && [ ! -e /etc/postgresql-common/createcluster.d/00-gov-no-main.conf ]; then
            mkdir -p /etc/postgresql-common/createcluster.d
            printf 'create_main_cluster = false\n' >/etc/postgresql-common/createcluster.d/00-gov-no-main.conf
        fi
        apt_install postgresql
        [ -n "$(pg_bin_dir_with initdb)" ] || die "initdb still missing after installing postgresql"
    fi
}

ensure_client_installed() {
    if [ -z "$(pg_bin_dir_with psql)" ] && ! command -v psql >/dev/null; then
        apt_install postgresql-client
    fi
}

client_bin() {
    local d
    d=$(pg_bin_dir_with "$1")
    if [ -n "$d" ]; then printf '%s/%s\n' "$d" "$1"; else command -v "$1"; fi
}

pg_ready() {
    local target=()
    if [ -n "${GOV_PG_ADMIN_URL:-}" ]; then
        target=(-d "$(libpq_url)")
    else
        target=(-h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres)
    fi
    "$(client_bin pg_isready)" -q -t "${1:-2}" "${target[@]}" >/dev/null 2>&1
}

psql_admin() {
    "$(client_bin psql)" "$(libpq_url)" -X -q -v ON_ERROR_STOP=1 "$@"
}

# Run a command as the postgres OS user when we are root (PostgreSQL refuses to run as root),
# from / so that an unreadable current directory (e.g. /root) does not matter.
# AS_PG_CLEAN=1: also close all inherited file descriptors above 2 (for starting the server).
as_pg() {
    local prefix=()
    if is_root; then
        command -v runuser >/dev/null || die "runuser (util-linux) is needed to run PostgreSQL as root"
        prefix=(runuser -u postgres --)
    fi
    if [ "${AS_PG_CLEAN:-0}" = 1 ]; then
        (cd / && without_extra_fds "${prefix[@]}" "$@")
    else
        (cd / && "${prefix[@]}" "$@")
    fi
}

# Run "$@" with every file descriptor above 2 closed, so that a long-running server does not
# keep pipes of the caller (make, CI runners, command substitutions) open after we exit.
without_extra_fds() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    bash -c 'for fd in /proc/$$/fd/*; do
                 fd=${fd##*/}
                 if [ "$fd" -gt 2 ]; then { eval "exec $fd>&-"; } 2>/dev/null || true; fi
             done
             exec "$@"' _ "$@"
}

# Would $1 (a directory under which <dir>/pg/data is created) work for the cluster?
base_usable() {
    local base=$1 sock
    sock="$base/pg/data/.s.PGSQL.$PG_PORT"
    # unix socket paths are limited to 107 bytes
    [ "${#sock}" -lt 100 ] || return 1
    mkdir -p "$base" 2>/dev/null || return 1
    if is_root; then
        id postgres >/dev/null 2>&1 || return 1
        as_pg test -x "$base" 2>/dev/null || return 1
    fi
    return 0
}

mark_ignored() {
    # Keep runtime data out of `git status` without touching the repo's .gitignore.
    [ -e "$1/.gitignore" ] || printf '*\n' >"$1/.gitignore" 2>/dev/null || true
}

# Print the base dir of an existing cluster (contains pg/data/PG_VERSION), if any.
existing_base() {
    local b
    for b in "$INFRA_DIR" "$FALLBACK_DIR"; do
        if [ -f "$b/pg/data/PG_VERSION" ]; then
            printf '%s\n' "$b"
            return 0
        fi
    done
    return 1
}

choose_base() {
    local b
    if b=$(existing_base) && base_usable "$b"; then
        printf '%s\n' "$b"
        return 0
    fi
    for b in "$INFRA_DIR" "$FALLBACK_DIR"; do
        if base_usable "$b"; then
            printf '%s\n' "$b"
            return 0
        fi
        if [ "$b" = "$INFRA_DIR" ]; then
            log "note: $INFRA_DIR is not usable by the postgres OS user (or path too long); using $FALLBACK_DIR"
        fi
    done
    die "no usable directory for the PostgreSQL cluster (tried $INFRA_DIR and $FALLBACK_DIR)"
}

take_lock() {
    mkdir -p "$INFRA_DIR"
    if command -v flock >/dev/null; then
        exec 9>"$INFRA_DIR/.postgres.lock"
        flock -w 300 9 || die "timed out waiting for $INFRA_DIR/.postgres.lock"
    fi
}

# log_tail FILE [BYTE_OFFSET]: last lines of FILE, only what was written after BYTE_OFFSET.
log_tail() {
    if [ -f "$1" ]; then
        log "---- last lines of $1 ----"
        tail -c "+$((${2:-0} + 1))" "$1" 2>/dev/null | tail -n 30 >&2 || true
        log "----"
    fi
}

write_conf() {
    local data=$1 bindir=${2:-} preload=""
    # Statement counts per database for `make bench` (tests/bench/statements.py), when the server has the module.
    if [ -n "$bindir" ] && [ -f "$bindir/../lib/pg_stat_statements.so" ]; then
        preload="shared_preload_libraries = 'pg_stat_statements'"
    fi
    as_pg tee "$data/gov-test.conf" >/dev/null <<EOF
# Written by scripts/infra/postgres.sh on every start; edits are overwritten.
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$data'
max_connections = 200
# Throw-away test cluster: durability is not needed.
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_timezone = 'UTC'
$preload
EOF
    if ! grep -q "^include_if_exists = 'gov-test.conf'" "$data/postgresql.conf"; then
        printf "\ninclude_if_exists = 'gov-test.conf'\n" | as_pg tee -a "$data/postgresql.conf" >/dev/null
    fi
}

# If postmaster.pid is left over from a killed server, remove it (and the socket lock).
clear_stale_pidfile() {
    local data=$1 pid
    [ -f "$data/postmaster.pid" ] || return 0
    pid=$(head -n1 "$data/postmaster.pid" 2>/dev/null || true)
    # A live postmaster of this data dir was started as "postgres -D <data>" by pg_ctl; a
    # recycled pid (or a zombie, whose cmdline is empty) does not match.
    if [[ "$pid" =~ ^[0-9]+$ ]] &&
        [[ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)" == *"postgres -D $data "* ]]; then
        return 1 # a live postmaster owns this data dir
    fi
    log "removing stale $data/postmaster.pid (pid ${pid:-?} is not its postmaster any more)"
    rm -f "$data/postmaster.pid" "$data"/.s.PGSQL.*.lock
    return 0
}

cmd_start() {
    if [ -n "${GOV_PG_ADMIN_URL:-}" ]; then
        ensure_client_installed
        pg_ready 5 || die "external server GOV_PG_ADMIN_URL=$GOV_PG_ADMIN_URL does not answer"
        log "using external server $GOV_PG_ADMIN_URL"
        return 0
    fi
    ensure_server_installed
    take_lock
    if pg_ready 1; then
        psql_admin -tAc 'SELECT 1' >/dev/null 2>&1 ||
            die "a server answers on $PG_HOST:$PG_PORT but 'postgres' cannot log in without a password; stop it or set GOV_PG_PORT / GOV_PG_ADMIN_URL"
        log "reusing server already running on $PG_HOST:$PG_PORT"
        return 0
    fi

    local bindir base pgdir data logfile
    bindir=$(pg_bin_dir_with initdb)
    base=$(choose_base)
    pgdir=$base/pg
    data=$pgdir/data
    logfile=$pgdir/postgres.log
    mkdir -p "$pgdir"
    mark_ignored "$base"
    if is_root; then
        chown postgres:postgres "$pgdir"
        [ ! -e "$data" ] || chown -R postgres:postgres "$data"
    fi

    if [ ! -f "$data/PG_VERSION" ]; then
        [ ! -e "$data" ] || {
            log "removing incomplete cluster directory $data"
            rm -rf "$data"
        }
        log "creating cluster in $data ($("$bindir/postgres" --version))"
        as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 \
            --locale=C.UTF-8 --no-sync >"$pgdir/initdb.log" 2>&1 || {
            log_tail "$pgdir/initdb.log"
            rm -rf "$data"
            die "initdb failed"
        }
    fi
    write_conf "$data" "$bindir"

    if ! clear_stale_pidfile "$data"; then
        # Our postmaster runs but does not answer on $PG_PORT (e.g. GOV_PG_PORT changed): restart it.
        log "cluster in $data is running but not answering on port $PG_PORT; restarting it"
        as_pg "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >&2 || true
        clear_stale_pidfile "$data" || die "could not stop the running server of $data"
    fi

    # shellcheck disable=SC2016 # expanded by the inner shell
    if timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$PG_HOST" "$PG_PORT" 2>/dev/null; then
        die "port $PG_PORT is taken by something that is not a PostgreSQL server; set GOV_PG_PORT"
    fi
    log "starting PostgreSQL on $PG_HOST:$PG_PORT (data: $data, log: $logfile)"
    local log_offset
    log_offset=$(stat -c %s "$logfile" 2>/dev/null || echo 0)
    if ! AS_PG_CLEAN=1 as_pg "$bindir/pg_ctl" -D "$data" -l "$logfile" -w -t "$START_TIMEOUT" start \
        </dev/null >/dev/null 2>"$pgdir/pg_ctl.err"; then
        cat "$pgdir/pg_ctl.err" >&2 || true
        log_tail "$logfile" "$log_offset"
        die "PostgreSQL failed to start (or was not ready within ${START_TIMEOUT}s)"
    fi
    local i
    for ((i = 0; i < START_TIMEOUT * 5; i++)); do
        pg_ready 1 && {
            log "PostgreSQL is ready: $(admin_url)"
            return 0
        }
        sleep 0.2
    done
    log_tail "$logfile" "$log_offset"
    die "PostgreSQL started but does not answer on $PG_HOST:$PG_PORT"
}

cmd_stop() {
    if [ -n "${GOV_PG_ADMIN_URL:-}" ]; then
        log "GOV_PG_ADMIN_URL is set (external server): nothing to stop"
        return 0
    fi
    local base data bindir stopped=0
    for base in "$INFRA_DIR" "$FALLBACK_DIR"; do
        data=$base/pg/data
        [ -f "$data/postmaster.pid" ] || continue
        if clear_stale_pidfile "$data"; then continue; fi
        bindir=$(pg_bin_dir_with pg_ctl)
        [ -n "$bindir" ] || die "pg_ctl not found"
        log "stopping PostgreSQL ($data)"
        if ! as_pg "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null; then
            log "fast shutdown failed; using immediate mode"
            as_pg "$bindir/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null || die "could not stop PostgreSQL"
        fi
        stopped=1
    done
    if [ "$stopped" -eq 0 ]; then
        log "private cluster is not running"
        if [ -n "$(pg_bin_dir_with pg_isready)" ] && pg_ready 1; then
            log "note: a server we did not start answers on $PG_HOST:$PG_PORT; left alone"
        fi
    fi
}

cmd_status() {
    if [ -z "$(pg_bin_dir_with pg_isready)" ] && ! command -v pg_isready >/dev/null; then
        log "PostgreSQL client not installed: not running"
        return 1
    fi
    if pg_ready 2; then
        log "PostgreSQL answers at $(admin_url)"
        return 0
    fi
    log "PostgreSQL does not answer at $(admin_url)"
    return 1
}

db_exists() {
    [ "$(printf "SELECT 1 FROM pg_database WHERE datname = :'dbname'\n" |
        psql_admin -tA -v dbname="$1" -f -)" = 1 ]
}

cmd_createdb() {
    local name=${1:-}
    [ -n "$name" ] || die "usage: $0 createdb NAME"
    ensure_client_installed
    pg_ready 5 || die "PostgreSQL does not answer at $(admin_url); run '$0 start' first"
    if db_exists "$name"; then
        log "database $name already exists"
        return 0
    fi
    # \gexec runs the generated statement; %I quotes the name as an identifier.
    local out
    if out=$(printf "SELECT format('CREATE DATABASE %%I', :'dbname') \\gexec\n" |
        psql_admin -v dbname="$name" -f - 2>&1); then
        log "created database $name"
    elif db_exists "$name"; then
        log "database $name already exists" # a concurrent createdb won the race
    else
        printf '%s\n' "$out" >&2
        die "could not create database $name"
    fi
}

main() {
    [ $# -ge 1 ] || usage
    local cmd=$1
    shift
    case "$cmd" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    url) admin_url ;;
    createdb) cmd_createdb "$@" ;;
    -h | --help | help) usage ;;
    *)
        log "unknown command: $cmd"
        usage
        ;;
    esac
}

main "$@"
