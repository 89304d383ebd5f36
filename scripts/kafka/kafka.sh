#!/usr/bin/env bash
# Single-node KRaft Kafka (broker + controller in one JVM) on 127.0.0.1, without Docker and without a Kafka
# tarball: the jars come from Maven Central through scripts/kafka/pom.xml (Kafka 3.9) and are cached once per machine.
#
#   scripts/kafka/kafka.sh start    # idempotent; stdout carries only the export lines below
#   scripts/kafka/kafka.sh stop     # stops the broker this script started (pid file); leaves others alone
#   scripts/kafka/kafka.sh status   # exit 0 and the export lines if the broker answers (authenticated) on 127.0.0.1:9092
#   scripts/kafka/kafka.sh jars     # fetches the jars if needed; stdout carries only their folder (for a broker of one's own)
#
# Everything but the export lines goes to stderr, so `eval "$(scripts/kafka/kafka.sh start)"` works. They are:
#   export KAFKA_BROKERS=127.0.0.1:9092
#   export KAFKA_SASL_MECHANISM=scram-sha-512
#   export KAFKA_USERNAME=admin KAFKA_PASSWORD=admin-dev-password   (two lines; the admin: what a shell's services use)
#   export KAFKA_RELAY_PASSWORD=relay-dev-password                    (user relay)
#   export KAFKA_PROJECTIONS_PASSWORD=projections-dev-password        (user projections)
#   export KAFKA_SAGA_PASSWORD=saga-dev-password                      (user saga)
#
# Security: clients authenticate with SASL/SCRAM-SHA-512 on a SASL_PLAINTEXT listener (127.0.0.1:9092; no TLS on
# loopback, so KAFKA_SSL stays unset), and StandardAuthorizer allows only what an ACL grants (no ACL: denied). The
# SCRAM credentials are written into the metadata when the storage is formatted (kafka-storage format --add-scram);
# the ACLs are created (kafka.admin.AclCommand, as admin) right after the first start of a fresh cluster. Principals,
# with fixed development passwords (a local, loopback-only broker; never reuse them elsewhere):
#   User:admin        super user: the broker's own inter-broker client, and tests/bench (test topics, group deletion)
#   User:controller   super user, PLAIN on the KRaft controller listener (127.0.0.1:9093) only; never exported
#   User:relay        topics order-engine*: WRITE, CREATE, DESCRIBE (+ IDEMPOTENT_WRITE on the cluster)
#   User:projections  topics order-engine*: READ, DESCRIBE; groups order-engine*: READ, DELETE (retired versions)
#   User:saga         topics order-engine*: READ, DESCRIBE; groups order-engine*: READ
# "order-engine*" is a PREFIXED pattern: it covers the default KAFKA_TOPIC (order-engine.events) and KAFKA_GROUP_PREFIX
# (order-engine: groups order-engine.saga, order-engine.projection.<key>). A deployment under other names connects
# as admin, or adds ACLs of its own. Only the relay may write the events topic: a projection worker or the saga that
# tries is refused with TOPIC_AUTHORIZATION_FAILED (shared/src/bus/kafka-acls.int.spec.ts).
# A broker that an older version of this script started (PLAINTEXT, no ACLs; or other credentials) is recognised by
# the missing or different stamp $STATE/security, and restarted on a fresh cluster: its data is deleted.
#
# Environment (all optional):
#   KAFKA_CACHE          jar cache (default ~/.cache/order-engine/kafka; jars in $KAFKA_CACHE/lib)
#   KAFKA_HEAP_OPTS      broker heap (default -Xms256m -Xmx512m)
#   KAFKA_START_TIMEOUT  seconds to wait for the broker to answer (default 120)
#   KAFKA_INSTALL_KCAT=1 apt-get install kcat when it is missing (services.sh start --install sets it); otherwise
#                        a JVM tool is the metadata probe
#   KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_STATE_DIR   a second broker beside the usual one (defaults 9092, 9093,
#                        <repo>/.services/kafka)
# State (data, config, pid, log) lives in <repo>/.services/kafka (gitignored); `rm -rf` it for a fresh cluster.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

HOST=127.0.0.1
PORT=${KAFKA_PORT:-9092}
CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
BROKERS="$HOST:$PORT"
CACHE=${KAFKA_CACHE:-$HOME/.cache/order-engine/kafka}
LIB="$CACHE/lib"
STATE=${KAFKA_STATE_DIR:-$ROOT/.services/kafka}
DATA="$STATE/data"
CONF="$STATE/server.properties"
CLIENT_CONF="$STATE/admin.properties"
STAMP="$STATE/security"
LOG4J="$STATE/log4j.properties"
TOOLS_LOG4J="$STATE/tools-log4j.properties"
PIDFILE="$STATE/kafka.pid"
LOGFILE="$STATE/kafka.log"
START_TIMEOUT=${KAFKA_START_TIMEOUT:-120}
HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# --- security (see the header) -------------------------------------------------------------------------------

MECHANISM=SCRAM-SHA-512
ADMIN_PASSWORD=admin-dev-password
CONTROLLER_PASSWORD=controller-dev-password
RELAY_PASSWORD=relay-dev-password
PROJECTIONS_PASSWORD=projections-dev-password
SAGA_PASSWORD=saga-dev-password
ACL_PREFIX=order-engine
# What a running broker or a formatted data folder must have been made with; anything else is restarted afresh.
SECURITY="v1 sasl=$MECHANISM acl-prefix=$ACL_PREFIX users=admin:$ADMIN_PASSWORD,relay:$RELAY_PASSWORD"
SECURITY+=",projections:$PROJECTIONS_PASSWORD,saga:$SAGA_PASSWORD controller=$CONTROLLER_PASSWORD"
SECURITY_STAMP=$(printf '%s' "$SECURITY" | sha256sum | cut -d' ' -f1)

say() { echo "kafka: $*" >&2; }
die() { say "$*"; exit 1; }
export_line() {
  echo "export KAFKA_BROKERS=$BROKERS"
  echo "export KAFKA_SASL_MECHANISM=scram-sha-512"
  echo "export KAFKA_USERNAME=admin"
  echo "export KAFKA_PASSWORD=$ADMIN_PASSWORD"
  echo "export KAFKA_RELAY_PASSWORD=$RELAY_PASSWORD"
  echo "export KAFKA_PROJECTIONS_PASSWORD=$PROJECTIONS_PASSWORD"
  echo "export KAFKA_SAGA_PASSWORD=$SAGA_PASSWORD"
}

# --- probes -------------------------------------------------------------------------------------------------

port_open() { # something accepts TCP connections on host:port
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# Short-lived JVMs (StorageTool, the metadata check): quiet logging, small heap, fast start.
# An array, not a function, so that `timeout` can run it.
TOOL=("$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  -Dlog4j.configuration="file:$TOOLS_LOG4J" -cp "$LIB/*")

metadata_ok() { # the listener authenticates the admin and returns cluster metadata (not just an open port)
  if command -v kcat >/dev/null; then
    kcat -L -b "$BROKERS" -m 5 -X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms="$MECHANISM" \
      -X sasl.username=admin -X sasl.password="$ADMIN_PASSWORD" 2>/dev/null | grep -q ' brokers:'
  else
    [[ -f "$LIB/.complete" ]] || fetch_jars
    write_tools_log4j
    write_client_config
    timeout 30 "${TOOL[@]}" kafka.admin.BrokerApiVersionsCommand --bootstrap-server "$BROKERS" \
      --command-config "$CLIENT_CONF" 2>/dev/null | grep -q "^$BROKERS "
  fi
}

plaintext_ok() { # a PLAINTEXT listener (no authentication) answers metadata requests: not a broker of this version
  if command -v kcat >/dev/null; then
    kcat -L -b "$BROKERS" -m 5 2>/dev/null | grep -q ' brokers:'
  else
    timeout 30 "${TOOL[@]}" kafka.admin.BrokerApiVersionsCommand --bootstrap-server "$BROKERS" 2>/dev/null |
      grep -q "^$BROKERS "
  fi
}

our_pid() { # prints the pid of the broker this script started, if it is still running
  [[ -f "$PIDFILE" ]] || return 1
  local pid; pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  ps -o args= -p "$pid" 2>/dev/null | grep -qF "kafka.Kafka $CONF" || return 1
  echo "$pid"
}

# --- setup --------------------------------------------------------------------------------------------------

need_java() {
  command -v "$JAVA" >/dev/null || die "java not found: apt-get install -y openjdk-17-jre-headless (Kafka 3.9 needs Java 11+, 17 recommended)"
  local major
  major=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [[ "${major%%.*}" -ge 11 ]] 2>/dev/null || die "Kafka 3.9 needs Java 11+, found java.specification.version=$major"
}

# One flat folder of jars, fetched once. The stamp records which pom.xml produced it, so a version bump in the
# pom refetches; the fetch goes to a temporary folder that is renamed into place, so an interrupted download
# never leaves a half-filled lib/ that looks complete.
fetch_jars() {
  local want; want=$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)
  if [[ -f "$LIB/.complete" && "$(cat "$LIB/.complete")" == "$want" ]]; then return; fi
  command -v mvn >/dev/null || die "Kafka's jars are not cached in $LIB and mvn is missing: apt-get install -y maven"
  mkdir -p "$CACHE"
  local version tmp
  version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/pom.xml")
  tmp=$(mktemp -d "$CACHE/lib.tmp.XXXXXX")
  say "fetching Kafka $version jars from Maven Central into $LIB (once per machine)"
  # (Maven 3.8 prints bare colour resets even with -q -B; strip them. pipefail keeps mvn's exit status.)
  if ! mvn -q -B -Dstyle.color=never -f "$HERE/pom.xml" dependency:copy-dependencies -DoutputDirectory="$tmp" 2>&1 |
    sed 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$tmp"; die "mvn dependency:copy-dependencies failed (network to Maven Central?)"
  fi
  echo "$want" >"$tmp/.complete"
  rm -rf "$LIB"
  # -T: never move the folder *into* a lib/ that a concurrent fetch (another clone) just put in place.
  mv -T "$tmp" "$LIB" 2>/dev/null || rm -rf "$tmp"
  [[ "$(cat "$LIB/.complete" 2>/dev/null)" == "$want" ]] || die "could not put the jars in place in $LIB"
  say "cached $(find "$LIB" -name '*.jar' | wc -l) jars ($(du -sh "$LIB" | cut -f1))"
}

# kcat is the quickest metadata probe (no JVM start); installed when missing only if asked (KAFKA_INSTALL_KCAT=1)
# and apt is usable (root, or passwordless sudo). Never fatal: the JVM probe is the fallback.
ensure_kcat() {
  command -v kcat >/dev/null && return
  [[ "${KAFKA_INSTALL_KCAT:-}" == 1 ]] || return 0
  command -v apt-get >/dev/null || return 0
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo -n); else return 0; fi
  fi
  say "installing kcat (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  local install=(apt-get install -y -qq -o Dpkg::Use-Pty=0 --no-install-recommends kcat)
  "${sudo[@]}" "${install[@]}" >&2 2>&1 ||
    { "${sudo[@]}" apt-get update -qq >&2 2>&1 && "${sudo[@]}" "${install[@]}" >&2 2>&1; } ||
    say "could not install kcat; using the JVM metadata probe instead"
}

write_tools_log4j() {
  mkdir -p "$STATE"
  cat >"$TOOLS_LOG4J" <<'EOF'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.appender.stderr.Target=System.err
EOF
}

# The admin's client settings, for the JVM tools (AclCommand, the metadata probe without kcat).
write_client_config() {
  mkdir -p "$STATE"
  (
    umask 077
    cat >"$CLIENT_CONF" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=$MECHANISM
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN_PASSWORD";
EOF
  )
  chmod 600 "$CLIENT_CONF"
}

# Rewritten on every start (the data dir stays), so edits here take effect on the next start. It holds passwords
# (the broker's own logins): readable by this user only.
write_config() {
  mkdir -p "$DATA"
  (
    umask 077
    cat >"$CONF" <<EOF
# Generated by scripts/kafka/kafka.sh: single-node KRaft, broker and controller in one process. Edits are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=SASL_PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
log.dirs=$DATA

# Clients: SCRAM-SHA-512, credentials in the cluster metadata (formatted in with --add-scram). The broker's own
# client logs in as admin. The controller listener uses PLAIN with a static user: a KRaft controller cannot check
# SCRAM credentials, which live in the metadata it serves.
sasl.enabled.mechanisms=$MECHANISM
sasl.mechanism.inter.broker.protocol=$MECHANISM
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN_PASSWORD";
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="controller" password="$CONTROLLER_PASSWORD" user_controller="$CONTROLLER_PASSWORD";
# Only what an ACL grants (create_acls); the super users pass every check.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:controller
allow.everyone.if.no.acl.found=false

# One node: every replication factor and min ISR is 1, or idempotent/transactional producers and consumer
# groups wait forever for replicas that cannot exist.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1

num.partitions=6
auto.create.topics.enable=true
delete.topic.enable=true
# Tests join consumer groups all the time: no 3 s wait for more members.
group.initial.rebalance.delay.ms=0

# Sized for a 2-core CI machine: fewer threads, and 6 instead of 50 partitions for the internal topics
# (creating 50 partitions on the first consumer group / producer id request costs seconds).
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=1
num.replica.fetchers=1
offsets.topic.num.partitions=6
transaction.state.log.num.partitions=6
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
log.retention.hours=24
log.segment.bytes=67108864
EOF
  )
  chmod 600 "$CONF" # (umask does not narrow a file an older version wrote)
  cat >"$LOG4J" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
  write_tools_log4j
}

# Kafka's Uuid: 16 random bytes, URL-safe base64 without padding, never starting with '-' (CLI parsing).
random_cluster_id() {
  local id
  while :; do
    id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
    [[ "$id" != -* && "$id" != AAAAAAAAAAAAAAAAAAAAAA && "$id" != AAAAAAAAAAAAAAAAAAAAAQ ]] && { echo "$id"; return; }
  done
}

# A data folder formatted by an older version of this script (no SCRAM credentials, no ACLs) is deleted.
format_once() {
  if [[ -f "$DATA/meta.properties" && "$(cat "$STAMP" 2>/dev/null)" != "$SECURITY_STAMP" ]]; then
    say "$DATA was formatted without this script's users and ACLs (an older version of it): deleting it"
    rm -rf "$DATA"
    mkdir -p "$DATA"
  fi
  [[ -f "$DATA/meta.properties" ]] && return
  rm -f "$STAMP"
  local id; id=$(random_cluster_id)
  say "formatting KRaft storage in $DATA (cluster id $id) with the SCRAM users admin, relay, projections, saga"
  "${TOOL[@]}" kafka.tools.StorageTool format --ignore-formatted -t "$id" -c "$CONF" \
    -S "$MECHANISM=[name=admin,password=$ADMIN_PASSWORD]" \
    -S "$MECHANISM=[name=relay,password=$RELAY_PASSWORD]" \
    -S "$MECHANISM=[name=projections,password=$PROJECTIONS_PASSWORD]" \
    -S "$MECHANISM=[name=saga,password=$SAGA_PASSWORD]" >&2 ||
    die "kafka.tools.StorageTool format failed"
}

# The ACLs of the service principals (see the header), once per fresh cluster: they live in its metadata. Three JVM
# runs of about a second each, in parallel. The stamp goes last, so an interrupted run is done again next start.
create_acls() {
  [[ -f "$STAMP" && "$(cat "$STAMP")" == "$SECURITY_STAMP" ]] && return
  say "creating ACLs for relay, projections and saga on topics and groups $ACL_PREFIX*"
  write_client_config
  local acl=("${TOOL[@]}" kafka.admin.AclCommand --bootstrap-server "$BROKERS" --command-config "$CLIENT_CONF" --add
    --resource-pattern-type prefixed)
  local pids=() failed=0 pid
  "${acl[@]}" --producer --idempotent --topic "$ACL_PREFIX" --allow-principal User:relay >/dev/null &
  pids+=($!)
  "${acl[@]}" --consumer --topic "$ACL_PREFIX" --group "$ACL_PREFIX" \
    --allow-principal User:projections --allow-principal User:saga >/dev/null &
  pids+=($!)
  "${acl[@]}" --operation Delete --group "$ACL_PREFIX" --allow-principal User:projections >/dev/null &
  pids+=($!)
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  ((failed == 0)) || die "kafka.admin.AclCommand failed: the services' principals have no ACLs (see above)"
  echo "$SECURITY_STAMP" >"$STAMP"
}

wait_until_ready() { # pid
  local pid=$1 deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "the broker exited during startup; last lines of $LOGFILE:"
      tail -n 40 "$LOGFILE" >&2 || true
      rm -f "$PIDFILE"
      exit 1
    fi
    if port_open "$PORT" && metadata_ok; then return 0; fi
    sleep 0.5
  done
  say "the broker (pid $pid) did not answer on $BROKERS within ${START_TIMEOUT}s (KAFKA_START_TIMEOUT);" \
    "it is left running; see $LOGFILE, or run: scripts/kafka/kafka.sh stop"
  tail -n 20 "$LOGFILE" >&2 || true
  exit 1
}

# --- commands -----------------------------------------------------------------------------------------------

# Serialise concurrent start/stop calls (two test runners starting services at once) with a lock on fd 9.
# The broker must not inherit fd 9 (it would hold the lock for its lifetime): it is launched with 9>&-.
lock() {
  mkdir -p "$STATE"
  exec 9>"$STATE/.lock"
  if command -v flock >/dev/null; then flock -w "$((START_TIMEOUT + 60))" 9 || die "timed out waiting for $STATE/.lock"; fi
}

start() {
  lock
  local pid
  if pid=$(our_pid); then
    if [[ "$(cat "$STAMP" 2>/dev/null)" == "$SECURITY_STAMP" ]] && grep -q '^listeners=SASL_PLAINTEXT://' "$CONF"; then
      say "already running (pid $pid); checking that it answers on $BROKERS"
      ensure_kcat
      wait_until_ready "$pid"
      export_line; return
    fi
    # An older version of this script started it: PLAINTEXT, anyone may do anything. Not to be reused.
    say "the running broker (pid $pid) lacks this script's SASL users and ACLs (an older version started it):" \
      "restarting it on a fresh cluster"
    stop_pid "$pid"
    rm -rf "$DATA" "$STAMP"
  fi
  rm -f "$PIDFILE"
  if port_open "$PORT"; then
    ensure_kcat
    local deadline=$((SECONDS + 30))
    until metadata_ok; do
      if plaintext_ok; then
        die "a PLAINTEXT Kafka broker this script did not start answers on $BROKERS (no authentication):" \
          "stop it, then run this again"
      fi
      ((SECONDS < deadline)) || die "something answers on $BROKERS but neither authenticates admin nor returns Kafka metadata; free the port or stop it"
      sleep 1
    done
    say "a Kafka broker already answers on $BROKERS and authenticates admin; reusing it" \
      "(not started by this script, so stop leaves it alone, and its ACLs are its own)"
    export_line; return
  fi
  port_open "$CONTROLLER_PORT" && die "port $CONTROLLER_PORT (KRaft controller listener) is taken by another process"

  need_java
  fetch_jars
  ensure_kcat
  write_config
  format_once

  [[ -f "$LOGFILE" ]] && mv -f "$LOGFILE" "$LOGFILE.1"
  say "starting Kafka $(ls "$LIB" | sed -n 's/^kafka_2\.13-\(.*\)\.jar$/\1/p') (KRaft, $BROKERS; log: $LOGFILE)"
  # Same JVM flags as Kafka's kafka-run-class.sh; stdin/stdout/stderr and fd 9 detached, so a caller's
  # $(...) returns immediately and the lock is released when this script exits.
  # shellcheck disable=SC2086 # HEAP_OPTS is a list of flags
  nohup "$JAVA" $HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$LOG4J" -Dkafka.logs.dir="$STATE" \
    -cp "$LIB/*" kafka.Kafka "$CONF" </dev/null >>"$LOGFILE" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PIDFILE"
  local t0=$SECONDS
  wait_until_ready "$pid"
  create_acls
  say "ready on $BROKERS (pid $pid, $((SECONDS - t0))s after launch; SASL $MECHANISM, ACLs)"
  export_line
}

stop_pid() { # pid: SIGTERM (a controlled shutdown), SIGKILL after 60 s
  local pid=$1
  say "stopping Kafka (pid $pid)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then say "still running after 60s; killing it"; kill -KILL "$pid" 2>/dev/null || true; sleep 1; break; fi
    sleep 0.5
  done
  rm -f "$PIDFILE"
}

stop() {
  lock
  local pid
  if ! pid=$(our_pid); then
    rm -f "$PIDFILE"
    if port_open "$PORT"; then say "a broker this script did not start answers on $BROKERS; leaving it alone"
    else say "not running"; fi
    return
  fi
  stop_pid "$pid"
  say "stopped"
}

status() {
  local pid
  if port_open "$PORT" && metadata_ok; then
    if pid=$(our_pid); then say "running on $BROKERS (pid $pid, started by this script)"
    else say "a broker answers on $BROKERS (not started by this script)"; fi
    export_line
  elif port_open "$PORT" && plaintext_ok; then
    say "a PLAINTEXT broker (no authentication) answers on $BROKERS; \`start\` restarts one this script started"
    return 1
  elif pid=$(our_pid); then
    say "starting (pid $pid), not answering on $BROKERS yet"; return 1
  else
    say "not running"; return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  jars) need_java; fetch_jars; echo "$LIB" ;;
  *) say "usage: scripts/kafka/kafka.sh start|stop|status|jars"; exit 2 ;;
esac
