#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft, no ZooKeeper) for tests and local development.
#
#   scripts/infra/kafka.sh start|stop|status|bootstrap|sasl
#
# The broker jars come from Maven Central via scripts/infra/kafka/pom.xml.
# See scripts/infra/README.md for the environment variables and where data lives.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
INFRA_DIR=${GOV_INFRA_DIR:-$REPO_ROOT/var/infra}
KAFKA_HOST=127.0.0.1
KAFKA_PORT=${GOV_KAFKA_PORT:-29092}
CONTROLLER_PORT=${GOV_KAFKA_CONTROLLER_PORT:-29093}
# A second listener that asks for SASL/PLAIN credentials, so the clients' security settings are
# tested against a real broker. Loopback only and throw-away data: the password is no secret.
SASL_PORT=${GOV_KAFKA_SASL_PORT:-29094}
SASL_USER=gov-test
SASL_PASSWORD=gov-test-secret
START_TIMEOUT=${GOV_KAFKA_START_TIMEOUT:-90}
HEAP_OPTS=${GOV_KAFKA_HEAP_OPTS:--Xms256m -Xmx768m}
# The JVM compiles with its quick compiler (C1) only: this broker serves tests, benchmarks and development on a
# small machine, where the optimising compiler (C2) was the broker's biggest thread. Its process CPU from start
# through three Kafka-heavy integration test files: 59.8 and 55.5 s with C2, 38.2 and 36.5 without (the start
# alone 38.6/34.8 against 27.8/26.1); tests/integration alone took as long (126 against 120 s); make bench at
# 20/s: Kafka 7.2 -> 5.5 ms of CPU per case on a fresh broker (2026-12-08). GOV_KAFKA_JIT_OPTS= restores C2.
JIT_OPTS=${GOV_KAFKA_JIT_OPTS--XX:TieredStopAtLevel=1}

POM=$SCRIPT_DIR/kafka/pom.xml
KAFKA_DIR=$INFRA_DIR/kafka
LIB_DIR=$KAFKA_DIR/lib
DATA_DIR=$KAFKA_DIR/data
CONF_DIR=$KAFKA_DIR/config
LOG_DIR=$KAFKA_DIR/logs
PID_FILE=$KAFKA_DIR/kafka.pid
SERVER_LOG_OFFSET=0

log() { printf '[kafka.sh] %s\n' "$*" >&2; }
die() {
    log "ERROR: $*"
    exit 1
}

usage() {
    cat >&2 <<EOF
usage: $0 start|stop|status|bootstrap|sasl

  start      start (or reuse) the broker; with GOV_KAFKA_BOOTSTRAP set, only check it answers
  stop       stop the broker started by this script
  status     exit 0 if the broker answers
  bootstrap  print the bootstrap servers (host:port)
  sasl       print the SASL/PLAIN listener as user:password@host:port (nothing for an external broker)
EOF
    exit 2
}

bootstrap() {
    if [ -n "${GOV_KAFKA_BOOTSTRAP:-}" ]; then
        printf '%s\n' "$GOV_KAFKA_BOOTSTRAP"
    else
        printf '%s:%s\n' "$KAFKA_HOST" "$KAFKA_PORT"
    fi
}

sasl() {
    if [ -n "${GOV_KAFKA_BOOTSTRAP:-}" ]; then
        printf '%s\n' "${GOV_KAFKA_SASL:-}"
    else
        printf '%s:%s@%s:%s\n' "$SASL_USER" "$SASL_PASSWORD" "$KAFKA_HOST" "$SASL_PORT"
    fi
}

# Does something accept TCP connections on host $1 port $2?
port_open() {
    if command -v python3 >/dev/null; then
        python3 - "$1" "$2" <<'EOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()
except OSError:
    sys.exit(1)
EOF
    else
        # shellcheck disable=SC2016 # expanded by the inner shell
        timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
    fi
}

# Is a Kafka broker serving requests on host $1 port $2? Sends a Metadata (v1) request and
# requires at least one live broker in the answer; falls back to a TCP check without python3.
kafka_answers() {
    command -v python3 >/dev/null || {
        port_open "$1" "$2"
        return
    }
    python3 - "$1" "$2" <<'EOF'
import socket, struct, sys

def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    return buf

try:
    with socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3) as s:
        client_id = b"gov-infra-check"
        # header v1: api_key=3 (Metadata), api_version=1, correlation_id, client_id; body: topics=null
        req = struct.pack(">hhih", 3, 1, 4242, len(client_id)) + client_id + struct.pack(">i", -1)
        s.sendall(struct.pack(">i", len(req)) + req)
        size = struct.unpack(">i", recv_exact(s, 4))[0]
        resp = recv_exact(s, size)
        corr, n_brokers = struct.unpack(">ii", resp[:8])
        sys.exit(0 if corr == 4242 and n_brokers > 0 else 1)
except (OSError, struct.error):
    sys.exit(1)
EOF
}

local_answers() { kafka_answers "$KAFKA_HOST" "$KAFKA_PORT"; }

# Does any host:port of GOV_KAFKA_BOOTSTRAP accept connections?
external_answers() {
    local hp host port hps
    IFS=, read -r -a hps <<<"$GOV_KAFKA_BOOTSTRAP"
    for hp in "${hps[@]}"; do
        hp=${hp// /}
        hp=${hp#*://}
        host=${hp%:*}
        port=${hp##*:}
        host=${host#[}
        host=${host%]}
        [ -n "$host" ] && [ -n "$port" ] && port_open "$host" "$port" && return 0
    done
    return 1
}

# pid of the broker recorded in $PID_FILE if that process is alive and is our broker.
our_pid() {
    local pid cmd
    [ -f "$PID_FILE" ] || return 1
    pid=$(cat "$PID_FILE" 2>/dev/null || true)
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    is_alive "$pid" || return 1
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
    [[ "$cmd" == *kafka.Kafka*"$CONF_DIR/server.properties"* ]] || return 1
    printf '%s\n' "$pid"
}

is_alive() {
    [ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

take_lock() {
    mkdir -p "$KAFKA_DIR"
    if command -v flock >/dev/null; then
        exec 9>"$INFRA_DIR/.kafka.lock"
        flock -w 600 9 || die "timed out waiting for $INFRA_DIR/.kafka.lock"
    fi
}

mark_ignored() {
    # Keep runtime data out of `git status` without touching the repo's .gitignore.
    [ -e "$INFRA_DIR/.gitignore" ] || printf '*\n' >"$INFRA_DIR/.gitignore" 2>/dev/null || true
}

log_tail() {
    local f
    for f in "$@"; do
        [ -s "$f" ] || continue
        log "---- last lines of $f ----"
        tail -n 40 "$f" >&2 || true
    done
    log "----"
}

# Show what the broker logged since this start (server.log is appended to across runs).
startup_log_tail() {
    local f=$LOG_DIR/server.log
    log_tail "$LOG_DIR/kafka.out"
    if [ -s "$f" ]; then
        log "---- server.log since this start ($f) ----"
        tail -c "+$((SERVER_LOG_OFFSET + 1))" "$f" 2>/dev/null | tail -n 40 >&2 || true
        log "----"
    fi
}

java_bin() {
    if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
        printf '%s\n' "$JAVA_HOME/bin/java"
    else
        command -v java || true
    fi
}

ensure_tools() {
    if [ -z "$(java_bin)" ] || ! command -v mvn >/dev/null; then
        if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
            die "java and mvn are needed (Debian: apt-get install -y default-jre-headless maven)"
        fi
        log "installing Java/Maven from Debian (apt-get)..."
        local apt_log
        apt_log=$(mktemp /tmp/gov-infra-apt.XXXXXX)
        if ! { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
                --no-install-recommends default-jre-headless maven; } >"$apt_log" 2>&1; then
            tail -n 30 "$apt_log" >&2
            die "apt-get install default-jre-headless maven failed (log: $apt_log)"
        fi
        rm -f "$apt_log"
    fi
}

# Copy the broker's runtime jars into $LIB_DIR unless it already matches the pom.
fetch_jars() {
    local stamp tmp mvn_log
    stamp=$(sha256sum "$POM" | cut -c1-16)
    if [ -f "$LIB_DIR/.stamp" ] && [ "$(cat "$LIB_DIR/.stamp")" = "$stamp" ]; then
        return 0
    fi
    ensure_tools
    tmp=$(mktemp -d "$KAFKA_DIR/lib.tmp.XXXXXX")
    mvn_log=$KAFKA_DIR/mvn.log
    local mvn_args=(-B -q -f "$POM" dependency:copy-dependencies -DincludeScope=runtime
        -DoutputDirectory="$tmp" -Dmdep.overWriteIfNewer=true)
    # Offline first: quick when ~/.m2 already has everything (e.g. a second checkout).
    if mvn -o "${mvn_args[@]}" >"$mvn_log" 2>&1; then
        log "copied Kafka jars from the local Maven repository"
    else
        log "downloading Kafka jars from Maven Central (mvn; first time only)..."
        if ! mvn "${mvn_args[@]}" >"$mvn_log" 2>&1; then
            log_tail "$mvn_log"
            rm -rf "$tmp"
            die "mvn could not fetch the Kafka jars (see $mvn_log)"
        fi
    fi
    compgen -G "$tmp/kafka_2.13-*.jar" >/dev/null || {
        rm -rf "$tmp"
        die "kafka_2.13 jar missing after mvn copy-dependencies"
    }
    printf '%s\n' "$stamp" >"$tmp/.stamp"
    rm -rf "$LIB_DIR"
    mv "$tmp" "$LIB_DIR"
}

write_config() {
    mkdir -p "$CONF_DIR" "$LOG_DIR" "$DATA_DIR"
    cat >"$CONF_DIR/server.properties" <<EOF
# Written by scripts/infra/kafka.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,SASL_PLAINTEXT://$KAFKA_HOST:$SASL_PORT,CONTROLLER://$KAFKA_HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,SASL_PLAINTEXT://$KAFKA_HOST:$SASL_PORT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="$SASL_USER" password="$SASL_PASSWORD" user_$SASL_USER="$SASL_PASSWORD";
log.dirs=$DATA_DIR

num.partitions=3
default.replication.factor=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0
# after a kill -9 the new incarnation must wait for the old registration to expire (default 9 s)
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000

# small machine, throw-away data
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.retention.check.interval.ms=300000
EOF
    cat >"$CONF_DIR/log4j.properties" <<'EOF'
# Written by scripts/infra/kafka.sh on every start; edits are overwritten.
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.RollingFileAppender
log4j.appender.server.File=${kafka.logs.dir}/server.log
log4j.appender.server.MaxFileSize=20MB
log4j.appender.server.MaxBackupIndex=2
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
EOF
}

java_opts() {
    # shellcheck disable=SC2206 # HEAP_OPTS and JIT_OPTS are space-separated lists of JVM flags
    local flags=($HEAP_OPTS $JIT_OPTS)
    printf '%s\n' "${flags[@]}" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
        -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true -Dkafka.logs.dir="$LOG_DIR" \
        -Dlog4j.configuration="file:$CONF_DIR/log4j.properties"
}

format_storage() {
    [ -f "$DATA_DIR/meta.properties" ] && return 0
    if [ -n "$(ls -A "$DATA_DIR" 2>/dev/null)" ]; then
        log "removing unformatted leftovers in $DATA_DIR"
        rm -rf "$DATA_DIR"
        mkdir -p "$DATA_DIR"
    fi
    local java cluster_id opts
    java=$(java_bin)
    mapfile -t opts < <(java_opts)
    cluster_id=$("$java" -cp "$LIB_DIR/*" "${opts[@]}" kafka.tools.StorageTool random-uuid 2>"$LOG_DIR/format.log" | tail -n1)
    [ -n "$cluster_id" ] || {
        log_tail "$LOG_DIR/format.log"
        die "could not generate a cluster id"
    }
    log "formatting KRaft storage in $DATA_DIR (cluster id $cluster_id)"
    "$java" -cp "$LIB_DIR/*" "${opts[@]}" kafka.tools.StorageTool format --ignore-formatted \
        -t "$cluster_id" -c "$CONF_DIR/server.properties" >>"$LOG_DIR/format.log" 2>&1 || {
        log_tail "$LOG_DIR/format.log"
        die "kafka-storage format failed"
    }
}

stop_pid() {
    local pid=$1 i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        is_alive "$pid" || return 0
        sleep 0.1
    done
    log "broker did not stop within 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        is_alive "$pid" || return 0
        sleep 0.1
    done
    die "could not kill broker pid $pid"
}

cmd_start() {
    if [ -n "${GOV_KAFKA_BOOTSTRAP:-}" ]; then
        external_answers || die "external broker GOV_KAFKA_BOOTSTRAP=$GOV_KAFKA_BOOTSTRAP does not answer"
        log "using external broker $GOV_KAFKA_BOOTSTRAP"
        return 0
    fi
    take_lock
    mark_ignored
    local pid
    if local_answers; then
        if pid=$(our_pid); then
            if port_open "$KAFKA_HOST" "$SASL_PORT"; then
                log "reusing running broker (pid $pid) on $(bootstrap)"
                return 0
            fi
            # Started by an older version of this script, without the SASL listener.
            log "broker pid $pid has no SASL listener on $SASL_PORT; restarting it with the current configuration"
            stop_pid "$pid"
        else
            log "reusing broker already answering on $(bootstrap)"
            return 0
        fi
    fi
    if pid=$(our_pid); then
        log "broker pid $pid runs but does not answer on $(bootstrap); restarting it"
        stop_pid "$pid"
    fi
    rm -f "$PID_FILE"
    port_open "$KAFKA_HOST" "$KAFKA_PORT" &&
        die "port $KAFKA_PORT is taken by something that is not a Kafka broker; set GOV_KAFKA_PORT"
    port_open "$KAFKA_HOST" "$CONTROLLER_PORT" &&
        die "controller port $CONTROLLER_PORT is already in use; set GOV_KAFKA_CONTROLLER_PORT"
    port_open "$KAFKA_HOST" "$SASL_PORT" &&
        die "SASL port $SASL_PORT is already in use; set GOV_KAFKA_SASL_PORT"

    fetch_jars
    write_config
    format_storage

    local java opts started
    java=$(java_bin)
    mapfile -t opts < <(java_opts)
    log "starting Kafka broker on $(bootstrap) (data: $DATA_DIR, log: $LOG_DIR/server.log)"
    : >"$LOG_DIR/kafka.out"
    SERVER_LOG_OFFSET=$(stat -c %s "$LOG_DIR/server.log" 2>/dev/null || echo 0)
    # The child writes its own pid (it then execs java) in a session of its own, and closes
    # every inherited descriptor above 2 so the broker keeps no pipe of the caller open.
    # shellcheck disable=SC2016 # expanded by the inner shell
    nohup setsid bash -c '
        for fd in /proc/$$/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ]; then { eval "exec $fd>&-"; } 2>/dev/null || true; fi
        done
        echo $$ >"$1"
        shift
        exec "$@"' _ "$PID_FILE" \
        "$java" "${opts[@]}" -cp "$LIB_DIR/*" kafka.Kafka "$CONF_DIR/server.properties" \
        >>"$LOG_DIR/kafka.out" 2>&1 </dev/null &

    started=$SECONDS
    while ((SECONDS - started < START_TIMEOUT)); do
        sleep 0.5
        if local_answers; then
            log "Kafka is ready on $(bootstrap) (pid $(cat "$PID_FILE" 2>/dev/null || echo '?'), $((SECONDS - started))s)"
            return 0
        fi
        pid=$(cat "$PID_FILE" 2>/dev/null || true)
        if [[ "$pid" =~ ^[0-9]+$ ]] && ! is_alive "$pid"; then
            startup_log_tail
            die "Kafka broker exited during startup"
        fi
    done
    startup_log_tail
    if pid=$(our_pid); then stop_pid "$pid"; fi
    rm -f "$PID_FILE"
    die "Kafka did not answer on $(bootstrap) within ${START_TIMEOUT}s"
}

cmd_stop() {
    if [ -n "${GOV_KAFKA_BOOTSTRAP:-}" ]; then
        log "GOV_KAFKA_BOOTSTRAP is set (external broker): nothing to stop"
        return 0
    fi
    local pid
    if pid=$(our_pid); then
        log "stopping Kafka broker (pid $pid)"
        stop_pid "$pid"
        rm -f "$PID_FILE"
        return 0
    fi
    rm -f "$PID_FILE"
    log "broker is not running"
    if local_answers; then
        log "note: a broker we did not start answers on $(bootstrap); left alone"
    fi
}

cmd_status() {
    if [ -n "${GOV_KAFKA_BOOTSTRAP:-}" ]; then
        external_answers && {
            log "external broker answers at $GOV_KAFKA_BOOTSTRAP"
            return 0
        }
    elif local_answers; then
        log "Kafka answers at $(bootstrap)"
        return 0
    fi
    log "Kafka does not answer at $(bootstrap)"
    return 1
}

main() {
    [ $# -ge 1 ] || usage
    case "$1" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    bootstrap) bootstrap ;;
    sasl) sasl ;;
    -h | --help | help) usage ;;
    *)
        log "unknown command: $1"
        usage
        ;;
    esac
}

main "$@"
