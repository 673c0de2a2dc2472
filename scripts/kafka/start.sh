#!/usr/bin/env bash
# Starts a single-node Kafka broker (KRaft, broker+controller in one JVM) on 127.0.0.1 for tests
# and benchmarks, waits until it accepts connections and prints its PID.
#   usage: scripts/kafka/start.sh DIR PORT [SASL_PORT [SCRAM_PORT [SSL_PORT]]]
# DIR holds server.properties, the log (DIR/kafka.log), the data and DIR/kafka.pid. A DIR that
# was formatted before is reused as is, so stop.sh + start.sh is a broker restart that keeps data.
# PORT is a PLAINTEXT listener. SASL_PORT, when given, is a SASL_PLAINTEXT listener with
#   PLAIN users:  sluice / sluice-secret, and $ConnectionString / $SLUICE_KAFKA_EVENTHUB_CONN
#                 (what Azure Event Hubs' Kafka endpoint expects; default below)
# Real Event Hubs uses SASL_SSL on 9093; tests point the sink at this plaintext listener.
# SCRAM_PORT, when given (non-empty), is a SASL_PLAINTEXT listener named SCRAM with
#   SCRAM-SHA-256 and SCRAM-SHA-512 users: alice / alice-secret
#   (created in the metadata log when DIR is first formatted, whichever ports are given).
# SSL_PORT, when given (non-empty), is an SSL listener (no client certificates) whose server
#   certificate (SAN IP:127.0.0.1, DNS:localhost) is signed by a throwaway CA made with openssl
#   at first start: DIR/tls/ca.pem is the CA for clients to trust.
# Env: SLUICE_KAFKA_HEAP (default 512m), SLUICE_KAFKA_READY_SECONDS (default 60),
#   KAFKA_VERSION (default: pom.xml's, 4.1.1): the kafka_2.13 version fetch.sh fetches and this
#   runs, e.g. 3.9.1 (KRaft and --add-scram need 3.5 or later). Kafka 3.x accepts the SCRAM
#   login of librdkafka < 2.6.1, which 4.x refuses. Use one DIR per version.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 DIR PORT [SASL_PORT [SCRAM_PORT [SSL_PORT]]]" >&2
  exit 2
fi
dir="$(mkdir -p "$1" && cd "$1" && pwd)"
port="$2"
sasl_port="${3:-}"
scram_port="${4:-}"
ssl_port="${5:-}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
libs="$("$here/fetch.sh")"
eventhub_conn="${SLUICE_KAFKA_EVENTHUB_CONN:-Endpoint=sb://sluice-test.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=test-key}"

if [ -f "$dir/kafka.pid" ] && kill -0 "$(cat "$dir/kafka.pid")" 2>/dev/null; then
  echo "start.sh: a broker is already running from $dir (pid $(cat "$dir/kafka.pid"))" >&2
  exit 1
fi

# The controller listener needs a port too; keep the one chosen at first start.
if [ ! -f "$dir/controller.port" ]; then
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' \
    >"$dir/controller.port"
fi
cport="$(cat "$dir/controller.port")"

listeners="PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport"
advertised="PLAINTEXT://127.0.0.1:$port"
if [ -n "$sasl_port" ]; then
  listeners="$listeners,SASL_PLAINTEXT://127.0.0.1:$sasl_port"
  advertised="$advertised,SASL_PLAINTEXT://127.0.0.1:$sasl_port"
fi
if [ -n "$scram_port" ]; then
  listeners="$listeners,SCRAM://127.0.0.1:$scram_port"
  advertised="$advertised,SCRAM://127.0.0.1:$scram_port"
fi
if [ -n "$ssl_port" ]; then
  listeners="$listeners,SSL://127.0.0.1:$ssl_port"
  advertised="$advertised,SSL://127.0.0.1:$ssl_port"
  tls="$dir/tls"
  if [ ! -f "$tls/server.pem" ]; then
    mkdir -p "$tls"
    if ! {
      openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=sluice test CA" \
        -keyout "$tls/ca.key" -out "$tls/ca.pem" &&
        openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
          -keyout "$tls/server.key" -out "$tls/server.csr" &&
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$tls/server.ext" &&
        openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" \
          -CAcreateserial -days 30 -extfile "$tls/server.ext" -out "$tls/server.crt" &&
        # Kafka's PEM keystore: a PKCS#8 key followed by the certificate chain.
        openssl pkcs8 -topk8 -nocrypt -in "$tls/server.key" -out "$tls/server.pem" &&
        cat "$tls/server.crt" "$tls/ca.pem" >>"$tls/server.pem"
    } >"$tls/openssl.log" 2>&1; then
      echo "start.sh: making the test certificates failed:" >&2
      cat "$tls/openssl.log" >&2
      rm -f "$tls/server.pem"
      exit 1
    fi
  fi
fi
cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listeners=$listeners
advertised.listeners=$advertised
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SCRAM:SASL_PLAINTEXT,SSL:SSL
log.dirs=$dir/data
num.partitions=4
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_sluice="sluice-secret" user_\$ConnectionString="$eventhub_conn";
listener.name.scram.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.scram.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.scram.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.ssl.ssl.keystore.type=PEM
listener.name.ssl.ssl.keystore.location=$dir/tls/server.pem
listener.name.ssl.ssl.client.auth=none
PROPS

java_cmd=(java "-Xmx${SLUICE_KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true
          -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$libs/*")
if [ ! -f "$dir/data/meta.properties" ]; then
  # A base64url id may start with "-"; "--cluster-id=" keeps it from reading as an option.
  cluster_id="$(python3 -c 'import base64,uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')"
  # SCRAM users live in the metadata log: add them at format time (no listener needed).
  if ! "${java_cmd[@]}" kafka.tools.StorageTool format --cluster-id="$cluster_id" \
      -c "$dir/server.properties" \
      --add-scram 'SCRAM-SHA-256=[name=alice,password=alice-secret]' \
      --add-scram 'SCRAM-SHA-512=[name=alice,password=alice-secret]' \
      >"$dir/format.log" 2>&1; then
    echo "start.sh: formatting storage failed:" >&2
    cat "$dir/format.log" >&2
    exit 1
  fi
fi

setsid "${java_cmd[@]}" kafka.Kafka "$dir/server.properties" >>"$dir/kafka.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$dir/kafka.pid"

deadline=$((SECONDS + ${SLUICE_KAFKA_READY_SECONDS:-60}))
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start.sh: kafka exited during startup; last lines of $dir/kafka.log:" >&2
    tail -n 30 "$dir/kafka.log" >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "start.sh: kafka did not listen on 127.0.0.1:$port within the deadline; see $dir/kafka.log" >&2
    kill "$pid" 2>/dev/null || true
    exit 1
  fi
  sleep 0.2
done
echo "$pid"
