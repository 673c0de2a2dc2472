"""A failing or hanging webhook target: other sinks and other groups keep flowing, order per
key holds after recovery, and a permanently failing message is dead-lettered."""
import json
import time

import pytest

from testlib.messages import first_occurrences, walk
from testlib.sluice import make_config, webhook_sink
from testlib.waits import wait_for_count, wait_until

KEYS = 50
ROUNDS = 5   # versions 1..ROUNDS per key


def _write_versions(db, rounds, pause):
    """Inserts keys 1..KEYS at v=1, then bumps every v once per round."""
    db.sql(f"INSERT INTO t SELECT g, 1 FROM generate_series(1, {KEYS}) g")
    for _ in range(rounds - 1):
        time.sleep(pause)
        db.sql("UPDATE t SET v = v + 1")


def _versions_per_key(messages):
    per_key = {}
    for m in messages:
        per_key.setdefault(m["record"]["id"], []).append(m["record"]["v"])
    return per_key


def _assert_all_in_order(messages, keys):
    per_key = _versions_per_key(messages)
    for key in keys:
        assert first_occurrences(per_key.get(key, [])) == list(range(1, ROUNDS + 1)), (
            key, per_key.get(key))


def _has_all(messages, keys):
    per_key = _versions_per_key(messages)
    return all(set(per_key.get(k, ())) >= set(range(1, ROUNDS + 1)) for k in keys)


@pytest.mark.parametrize("outage", ["http_500", "hang"])
def test_one_failing_sink_does_not_stall_the_other(outage, db, webhook, launch_sluice):
    db.sql("CREATE TABLE t (id int PRIMARY KEY, v int)")
    launch_sluice(make_config(db, [
        webhook_sink("sink_a", "a", ["public.t"]),
        webhook_sink("sink_b", "b", ["public.t"]),
    ], {"a": webhook.url("/a"), "b": webhook.url("/b")}))
    db.wait_slot_active()

    # 500s for 20 s, or hangs of 5 s (timeout is 2 s) for 15 s.
    if outage == "http_500":
        fault, outage_seconds = webhook.fail(path="/a", status=500), 20
    else:
        fault, outage_seconds = webhook.fail(path="/a", hang_seconds=5), 15
    began = time.monotonic()
    _write_versions(db, ROUNDS, pause=1)
    keys = range(1, KEYS + 1)
    wait_until(lambda: _has_all(webhook.messages("/b"), keys), outage_seconds - 4,
               interval=0.2, message="sink_b to get everything while sink_a is down")
    assert webhook.messages("/a") == []
    time.sleep(max(0.0, outage_seconds - (time.monotonic() - began)))
    assert fault.hits >= 2, "sink_a did not retry during the outage"
    webhook.recover()

    wait_until(lambda: _has_all(webhook.messages("/a"), keys), 40, interval=0.2,
               message="sink_a to catch up after recovery")
    _assert_all_in_order(webhook.messages("/a"), keys)
    _assert_all_in_order(webhook.messages("/b"), keys)


def _contains_key(messages, key):
    return any(m["record"]["id"] == key for m in messages)


def test_one_failing_group_does_not_stall_other_groups(db, webhook, launch_sluice):
    db.sql("CREATE TABLE t (id int PRIMARY KEY, v int)")
    launch_sluice(make_config(db, [webhook_sink("hook", "h", ["public.t"])],
                              {"h": webhook.url("/h")}))
    db.wait_slot_active()

    fault = webhook.fail(path="/h", match=lambda ms: _contains_key(ms, 7))
    began = time.monotonic()
    _write_versions(db, ROUNDS, pause=1)
    others = [k for k in range(1, KEYS + 1) if k != 7]
    wait_until(lambda: _has_all(webhook.messages("/h"), others), 15, interval=0.2,
               message="other groups to be delivered while group 7 fails")
    assert not _contains_key(webhook.messages("/h"), 7)
    time.sleep(max(0.0, 20 - (time.monotonic() - began)))
    assert fault.hits >= 2
    webhook.recover()

    wait_until(lambda: _has_all(webhook.messages("/h"), [7]), 30, interval=0.2,
               message="group 7 after recovery")
    _assert_all_in_order(webhook.messages("/h"), range(1, KEYS + 1))


def test_message_failing_for_good_is_dead_lettered(db, webhook, launch_sluice):
    db.sql("CREATE TABLE t (id int PRIMARY KEY, v int)")
    sluice = launch_sluice(make_config(db, [
        webhook_sink("hook", "h", ["public.t"], max_retry_count=3),
    ], {"h": webhook.url("/h")}))
    db.wait_slot_active()

    webhook.fail(path="/h", match=lambda ms: _contains_key(ms, 13))
    db.sql("INSERT INTO t VALUES (13, 1)")
    db.sql("INSERT INTO t SELECT g, 1 FROM generate_series(1, 5) g")  # other groups, meanwhile
    failed = wait_for_count(lambda: webhook.failed_requests("/h"), 1, 30, "failed requests")
    [poisoned] = [m for m in failed[0].messages if m["record"]["id"] == 13]
    key = poisoned["metadata"]["idempotency_key"]

    def dead_letters():
        r = sluice.get("/api/sinks/hook/messages?state=dead_letter")
        assert r.status_code == 200, r.text
        body = r.json()
        return body if any(v == key for v in walk(body)) else None

    body = wait_until(dead_letters, 30, interval=0.5, message="13 to be dead-lettered")
    attempts = [v for d in walk(body) if isinstance(d, dict)
                for k, v in d.items() if "attempt" in k and isinstance(v, int)]
    assert attempts and max(attempts) >= 3, json.dumps(body)[:2000]
    assert len(webhook.failed_requests("/h")) >= 3

    db.sql("INSERT INTO t SELECT g, 1 FROM generate_series(14, 20) g")
    want = set(range(1, 6)) | set(range(14, 21))
    wait_until(lambda: {m["record"]["id"] for m in webhook.messages("/h")} >= want, 30,
               interval=0.2, message="other groups after the dead letter")
    assert not _contains_key(webhook.messages("/h"), 13)
