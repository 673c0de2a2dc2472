"""A real Kafka broker for tests (scripts/kafka/start.sh: KRaft, 127.0.0.1, a PLAINTEXT and a
SASL_PLAINTEXT PLAIN listener), and helpers to create topics and read them back with
confluent-kafka. Stop/start keep the data, so a test can take the broker away and back."""
import json
import os
import shutil
import subprocess
import tempfile
import time

from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from testlib.waits import free_port

SCRIPTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                       "scripts", "kafka"))
SASL_USER, SASL_PASSWORD = "sluice", "sluice-secret"


class KafkaBroker:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-kafka-it-")
        self.port, self.sasl_port = free_port(), free_port()
        self.hosts = f"127.0.0.1:{self.port}"
        self.sasl_hosts = f"127.0.0.1:{self.sasl_port}"

    def start(self):
        out = subprocess.run([os.path.join(SCRIPTS, "start.sh"), self.dir, str(self.port),
                              str(self.sasl_port)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=120)
        assert out.returncode == 0, f"scripts/kafka/start.sh failed:\n{out.stdout}"

    def stop(self):
        subprocess.run([os.path.join(SCRIPTS, "stop.sh"), self.dir], timeout=60, check=True)

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def create_topic(self, name, partitions, **config):
        admin = AdminClient({"bootstrap.servers": self.hosts})
        futures = admin.create_topics([NewTopic(name, partitions, 1,
                                                config={k: str(v) for k, v in config.items()})])
        futures[name].result(timeout=30)

    def read(self, topic, partitions, timeout):
        """Every record of `topic`, from the start up to the end offsets it has when called:
        dicts with partition, offset, key, headers and the JSON value, in partition order.
        Stops early (with what it has) after `timeout` seconds."""
        consumer = Consumer({"bootstrap.servers": self.hosts, "group.id": "sluice-it",
                             "enable.auto.commit": False})
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=30)[1]
                for p in range(partitions)}
        next_offset = {p: 0 for p in range(partitions)}
        consumer.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
        records = []
        deadline = time.monotonic() + timeout
        try:
            while (any(next_offset[p] < ends[p] for p in ends)
                   and time.monotonic() < deadline):
                for m in consumer.consume(num_messages=10000, timeout=0.5):
                    if m.error():
                        continue
                    next_offset[m.partition()] = m.offset() + 1
                    records.append({"partition": m.partition(), "offset": m.offset(),
                                    "key": m.key().decode() if m.key() else None,
                                    "headers": {k: v.decode() for k, v in (m.headers() or [])},
                                    "value": json.loads(m.value())})
        finally:
            consumer.close()
        return records
