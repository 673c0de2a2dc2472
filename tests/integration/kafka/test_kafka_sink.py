"""The kafka sink end to end: the real sluice binary, Postgres and a real Kafka broker.

Broker outage in the middle of a 50,000-change workload, SIGKILL of sluice, an oversize
message, wrong credentials. Run alone with:
    python3 -m pytest tests/integration/kafka -v
"""
import json
import random
import time

import pytest

from testlib.kafka_broker import SASL_USER
from testlib.kv_workload import KV_TABLE_SQL, KvWorkload, assert_order_per_key, compact, missing
from testlib.messages import duplicate_count, walk
from testlib.sluice import FAST_RETRY, make_config
from testlib.waits import wait_until


def kafka_sink(name, hosts, topic, table="public.kv", **destination):
    return {
        "name": name,
        "source": {"include_tables": [table]},
        "batch_size": 500,
        "retry": dict(FAST_RETRY),
        "destination": {"type": "kafka", "hosts": hosts, "topic": topic, **destination},
    }


def read_until_complete(kafka, topic, partitions, committed, timeout):
    """Reads `topic` until every committed change is there (or `timeout`); returns the
    delivered (id, action, v, key) tuples in partition order, and the raw records."""
    deadline = time.monotonic() + timeout
    while True:
        records = kafka.read(topic, partitions, timeout=max(1, deadline - time.monotonic()))
        delivered = [compact(r["value"]) for r in records]
        if not missing(committed, delivered) or time.monotonic() >= deadline:
            return delivered, records
        time.sleep(1)


def check_keys_and_headers(records):
    partition_of = {}
    for r in records:
        value = r["value"]
        assert r["key"] == str(value["record"]["id"]), r
        assert r["headers"]["action"] == value["action"], r["headers"]
        assert r["headers"]["table"] == "public.kv", r["headers"]
        assert r["headers"]["idempotency_key"] == value["metadata"]["idempotency_key"]
        assert partition_of.setdefault(r["key"], r["partition"]) == r["partition"], \
            f"key {r['key']} in two partitions"


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_broker_outage_mid_workload_loses_nothing_and_holds_the_slot(db, kafka, launch_sluice):
    db.sql(KV_TABLE_SQL)
    kafka.create_topic("kv_outage", 4)
    sluice = launch_sluice(make_config(db, [kafka_sink("to_kafka", kafka.hosts, "kv_outage")]))
    db.wait_slot_active()
    first_pid = sluice.proc.pid

    workload = KvWorkload(db, changes=50_000, seconds=60, seed=7)
    workload.start()
    time.sleep(12)
    kafka.stop()
    lsn_at_stop = db.current_wal_lsn()
    outage_started = time.monotonic()
    confirmed = []
    while time.monotonic() - outage_started < 30:
        confirmed.append(db.slot_state()["confirmed_flush_lsn"])
        time.sleep(1)
    kafka.start()
    workload.join(timeout=120)
    assert workload.error is None, f"workload failed: {workload.error!r}"
    assert workload.changes >= 50_000

    delivered, records = read_until_complete(kafka, "kv_outage", 4, workload.committed, 180)
    lost = missing(workload.committed, delivered)
    print(f"{workload.changes} changes, {len(delivered)} records "
          f"(duplicates: {duplicate_count(k for *_, k in delivered)}); slot during the outage "
          f"{min(confirmed)}..{max(confirmed)}, WAL at broker stop {lsn_at_stop}")
    assert not lost, f"{len(lost)} changes lost, e.g. {lost[:10]}"
    assert max(confirmed) <= lsn_at_stop, "the slot moved past changes the broker never had"
    assert_order_per_key(workload.committed, delivered, "kafka")
    check_keys_and_headers(records)
    assert sluice.proc.poll() is None and sluice.proc.pid == first_pid, "sluice restarted"


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_sigkill_during_a_kafka_workload_loses_nothing(db, kafka, launch_sluice):
    db.sql(KV_TABLE_SQL)
    kafka.create_topic("kv_kill", 4)
    sluice = launch_sluice(make_config(db, [kafka_sink("to_kafka", kafka.hosts, "kv_kill")]))
    db.wait_slot_active()
    workload = KvWorkload(db, changes=30_000, seconds=30, seed=11)
    workload.start()
    rng = random.Random(3)
    kills = 0
    while workload.is_alive() and kills < 5:
        time.sleep(rng.uniform(2, 6))
        sluice.kill()
        kills += 1
        sluice.start(timeout=60)
    workload.join(timeout=60)
    assert workload.error is None, f"workload failed: {workload.error!r}"

    delivered, records = read_until_complete(kafka, "kv_kill", 4, workload.committed, 180)
    lost = missing(workload.committed, delivered)
    duplicates = duplicate_count(k for *_, k in delivered)
    print(f"{workload.changes} changes, {kills} SIGKILLs, {len(delivered)} records, "
          f"duplicates: {duplicates}")
    assert kills >= 2
    assert not lost, (f"{len(lost)} changes lost, e.g. {lost[:10]}; sink: "
                      f"{sluice.get('/api/sinks/to_kafka').text[:1500]}")
    assert_order_per_key(workload.committed, delivered, "kafka")
    check_keys_and_headers(records)


def test_oversize_message_is_dead_lettered_with_the_brokers_reason(db, kafka, launch_sluice):
    db.sql("CREATE TABLE docs (id int PRIMARY KEY, body text)")
    kafka.create_topic("docs_small", 1, **{"max.message.bytes": 20000})
    sluice = launch_sluice(make_config(db, [kafka_sink(
        "docs", kafka.hosts, "docs_small", table="public.docs",
        producer={"batch.size": 16000})]))
    db.wait_slot_active()
    db.sql("INSERT INTO docs VALUES (1, 'small'), (2, repeat('x', 50000)), (3, 'small')")

    def dead_letters():
        r = sluice.get("/api/sinks/docs/messages?state=dead_letter")
        assert r.status_code == 200, r.text
        body = r.json()
        return body if any(isinstance(v, str) and "Message size too large" in v
                           for v in walk(body)) else None

    wait_until(dead_letters, 60, interval=0.5, message="the big row to be dead-lettered")
    wait_until(lambda: len(kafka.read("docs_small", 1, timeout=10)) >= 2, 30, interval=0.5,
               message="the two small rows")
    records = kafka.read("docs_small", 1, timeout=30)
    assert sorted(r["value"]["record"]["id"] for r in records) == [1, 3]
    db.sql("INSERT INTO docs VALUES (4, 'after')")
    wait_until(lambda: [r["value"]["record"]["id"] for r in kafka.read("docs_small", 1, 10)]
               == [1, 3, 4], 30, interval=0.5, message="row 4 after the dead letter")


def test_wrong_credentials_mark_the_sink_failing_while_others_flow(db, kafka, launch_sluice):
    db.sql("CREATE TABLE t (id int PRIMARY KEY)")
    kafka.create_topic("creds_ok", 1)
    kafka.create_topic("creds_bad", 1)
    sluice = launch_sluice(make_config(db, [
        kafka_sink("good", kafka.hosts, "creds_ok", table="public.t"),
        kafka_sink("bad", kafka.sasl_hosts, "creds_bad", table="public.t",
                   sasl_mechanism="plain", username=SASL_USER, password="not-the-password"),
    ]))
    db.wait_slot_active()
    db.sql("INSERT INTO t SELECT generate_series(1, 20)")
    wait_until(lambda: len(kafka.read("creds_ok", 1, timeout=10)) >= 20, 60, interval=0.5,
               message="20 rows at the healthy sink")

    def failing():
        body = sluice.get("/api/sinks/bad").json()
        texts = [v for v in walk(body) if isinstance(v, str)]
        return body if "failing" in texts and any("credentials" in t for t in texts) else None

    body = wait_until(failing, 60, interval=0.5, message="sink bad to be failing")
    assert "not-the-password" not in json.dumps(body)
    assert kafka.read("creds_bad", 1, timeout=10) == []
