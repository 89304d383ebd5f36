#!/usr/bin/env bash
# Starts (or stops) the real services the distributed mode and the integration suites use, on 127.0.0.1, without Docker.
# Idempotent: a service that already answers is reused. The `export` lines go to stdout, so
#   eval "$(npm run -s services:start)"
# sets DATABASE_URL, REDIS_URL, KAFKA_BROKERS and Kafka's credentials in the calling shell; everything else goes to stderr.
# Kafka (single-node KRaft, jars from Maven Central, no Docker) is scripts/kafka/kafka.sh: SASL/SCRAM-SHA-512 and ACLs,
# so its lines are KAFKA_SASL_MECHANISM, KAFKA_USERNAME/KAFKA_PASSWORD (the admin, a super user) and
# KAFKA_RELAY_PASSWORD, KAFKA_PROJECTIONS_PASSWORD, KAFKA_SAGA_PASSWORD (users relay, projections, saga); see its header.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_PORT=5432
REDIS_PORT=6379
say() { echo "services: $*" >&2; }

pg_up() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

wait_for() { # name, check function, seconds
  for _ in $(seq 1 "$3"); do "$2" && return 0; sleep 1; done
  say "$1 did not come up within $3 s"; return 1
}

start_postgres() {
  if pg_up; then say "PostgreSQL already running on 127.0.0.1:$PG_PORT"; return; fi
  if command -v pg_ctlcluster >/dev/null; then
    local version; version=$(ls /etc/postgresql | sort -V | tail -n 1)
    say "starting PostgreSQL $version (pg_ctlcluster)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2
  else
    say "PostgreSQL is not installed: apt-get install -y postgresql (Debian), then run this again"; exit 1
  fi
  wait_for PostgreSQL pg_up 30
}

start_redis() {
  if redis_up; then say "Redis already running on 127.0.0.1:$REDIS_PORT"; return; fi
  command -v redis-server >/dev/null || { say "Redis is not installed: apt-get install -y redis-server, then run this again"; exit 1; }
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no >&2
  wait_for Redis redis_up 15
}

case "${1:-start}" in
  start)
    start_postgres
    start_redis
    kafka_env=$(bash scripts/kafka/kafka.sh start)   # its stdout is exactly its export lines
    say "ready; use these (or eval this script's output):"
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
    echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    echo "$kafka_env"
    ;;
  stop)
    bash scripts/kafka/kafka.sh stop >&2
    if command -v pg_ctlcluster >/dev/null && pg_up; then pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main stop >&2 || true; fi
    if redis_up; then redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >&2 || true; fi
    say "stopped"
    ;;
  *) say "usage: services.sh start|stop"; exit 2 ;;
esac
