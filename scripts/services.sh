#!/usr/bin/env bash
# Starts (or stops) the real services the distributed mode and the integration suites use, on 127.0.0.1, without Docker.
#
#   scripts/services.sh start [--install]   # idempotent: a service that already answers is reused, not restarted
#   scripts/services.sh stop                # stops only what `start` started (recorded in $STATE/started)
#
# The `export` lines go to stdout, so
#   eval "$(npm run -s services:start)"
# sets DATABASE_URL, REDIS_URL, KAFKA_BROKERS and Kafka's credentials in the calling shell; everything else goes to stderr.
# Kafka (single-node KRaft, jars from Maven Central, no Docker) is scripts/kafka/kafka.sh: SASL/SCRAM-SHA-512 and ACLs,
# so its lines are KAFKA_SASL_MECHANISM, KAFKA_USERNAME/KAFKA_PASSWORD (the admin, a super user) and
# KAFKA_RELAY_PASSWORD, KAFKA_PROJECTIONS_PASSWORD, KAFKA_SAGA_PASSWORD (users relay, projections, saga); see its header.
#
# Needs (README, "Real services without Docker"): Debian's postgresql (pg_ctlcluster) and redis-server packages, Java 17
# and Maven (Kafka's jars); kcat is used when present. Nothing is installed unless `--install` is given, which
# apt-get installs whichever of them is missing (as root, or with sudo).
# A PostgreSQL, Redis or Kafka that already answers on its port was not started here: `stop` leaves it running.
# SERVICES_STATE_DIR (default <repo>/.services) holds the record of what was started, and Kafka's state.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_PORT=5432
REDIS_PORT=6379
STATE=${SERVICES_STATE_DIR:-$PWD/.services}
STARTED="$STATE/started"
REDIS_PIDFILE="$STATE/redis.pid"
export KAFKA_STATE_DIR="$STATE/kafka"
say() { echo "services: $*" >&2; }

pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

wait_for() { # name, check function, seconds
  for _ in $(seq 1 "$3"); do "$2" && return 0; sleep 1; done
  say "$1 did not come up within $3 s"; return 1
}

# What this script started, one name a line (postgres <version>, redis, kafka): what `stop` may stop.
record() { mkdir -p "$STATE"; grep -qxF "$1" "$STARTED" 2>/dev/null || echo "$1" >>"$STARTED"; }
forget() { [[ -f "$STARTED" ]] && { grep -vxF "$1" "$STARTED" >"$STARTED.tmp" || true; mv "$STARTED.tmp" "$STARTED"; }; }
started() { grep -x "$1" "$STARTED" 2>/dev/null; }

# --install: apt-get installs the Debian packages whose commands are missing. Without it, nothing is installed.
install_missing() {
  local packages=()
  command -v pg_ctlcluster >/dev/null || pg_up || packages+=(postgresql)
  command -v redis-server >/dev/null || redis_up || packages+=(redis-server)
  command -v java >/dev/null || packages+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || packages+=(maven)
  command -v kcat >/dev/null || packages+=(kcat)
  [[ ${#packages[@]} -eq 0 ]] && return
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  say "installing ${packages[*]} (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >&2
}

start_postgres() {
  if pg_up; then
    if started 'postgres .*' >/dev/null; then say "PostgreSQL already running (started by this script)"
    else say "PostgreSQL already running on 127.0.0.1:$PG_PORT (not started here: stop leaves it running)"; fi
    return
  fi
  command -v pg_ctlcluster >/dev/null ||
    { say "PostgreSQL is not installed: sudo apt-get install -y postgresql (Debian), or run: $0 start --install"; exit 1; }
  local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
  say "starting PostgreSQL $version (pg_ctlcluster)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
  record "postgres $version"
  wait_for PostgreSQL pg_up 30
}

start_redis() {
  if redis_up; then
    if started redis >/dev/null; then say "Redis already running (started by this script)"
    else say "Redis already running on 127.0.0.1:$REDIS_PORT (not started here: stop leaves it running)"; fi
    return
  fi
  command -v redis-server >/dev/null ||
    { say "Redis is not installed: sudo apt-get install -y redis-server (Debian), or run: $0 start --install"; exit 1; }
  say "starting Redis"
  mkdir -p "$STATE"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --pidfile "$REDIS_PIDFILE" >&2
  record redis
  wait_for Redis redis_up 15
}

stop_postgres() {
  local line; line=$(started 'postgres .*') || { pg_up && say "left running: PostgreSQL on 127.0.0.1:$PG_PORT (not started here)"; return 0; }
  local version=${line#postgres }
  say "stopping PostgreSQL $version (started by this script)"
  pg_ctlcluster --skip-systemctl-redirect "$version" main stop >&2 || true
  forget "$line"
}

stop_redis() {
  if ! started redis >/dev/null; then redis_up && say "left running: Redis on 127.0.0.1:$REDIS_PORT (not started here)"; return 0; fi
  local pid; pid=$(cat "$REDIS_PIDFILE" 2>/dev/null || true)
  # Only the redis-server whose pid this script's pid file holds, and only while it is that process.
  if [[ "$pid" =~ ^[0-9]+$ ]] && ps -o args= -p "$pid" 2>/dev/null | grep -q "redis-server.*:$REDIS_PORT"; then
    say "stopping Redis (pid $pid, started by this script)"
    kill -TERM "$pid"
  fi
  rm -f "$REDIS_PIDFILE"
  forget redis
}

case "${1:-start}" in
  start)
    [[ "${2:-}" == --install ]] && { install_missing; export KAFKA_INSTALL_KCAT=1; }
    start_postgres
    start_redis
    kafka_env=$(bash scripts/kafka/kafka.sh start) # its stdout is exactly its export lines
    say "ready; use these (or eval this script's output):"
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
    echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    echo "$kafka_env"
    ;;
  stop)
    bash scripts/kafka/kafka.sh stop >&2 # stops only the broker it started (its pid file), and says so
    stop_postgres
    stop_redis
    say "stopped what this script started"
    ;;
  *) say "usage: services.sh start [--install] | stop"; exit 2 ;;
esac
