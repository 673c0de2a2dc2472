"""sluice is SIGKILLed again and again under a write workload: no committed change is lost.

Each row carries a version `v` that the workload bumps on every update, so a change is the
triple (id, action, v) and the expected stream of every key is known exactly.
"""
import random
import time

import pytest

from testlib.kv_workload import KvWorkload, assert_order_per_key, compact, missing
from testlib.messages import duplicate_count
from testlib.sluice import make_config, pull_sink, webhook_sink
from testlib.waits import WaitTimeout, wait_until
from testlib.webhook import WebhookReceiver

KEYS = 1000
TARGET_CHANGES = 100_000
CHANGES_PER_TXN = 20
WORKLOAD_SECONDS = 35      # paced so that the kills land while it writes
MIN_KILLS = 10


class Delivered:
    """Compact record of delivered changes: (id, action, v, idempotency_key) per message."""

    def __init__(self):
        self.items = []

    def add(self, _path, message):
        self.items.append(compact(message))


def _check_last_per_key(final_rows, committed, delivered, sink):
    last = {}
    for i, a, v, _ in delivered:
        last[i] = (a, v)
    wrong = []
    for key in committed:
        got = last.get(key) or ("nothing", None)
        if key in final_rows:
            ok = got[0] in ("insert", "update") and got[1] == final_rows[key]
        else:
            ok = got[0] == "delete"
        if not ok:
            wrong.append((key, got, final_rows.get(key, "deleted")))
    assert not wrong, f"{sink}: {len(wrong)} keys end on the wrong change, e.g. {wrong[:5]}"


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_repeated_sigkill_loses_nothing(db, launch_sluice):
    db.sql("CREATE TABLE kv (id int PRIMARY KEY, v int NOT NULL, pad text);"
           " ALTER TABLE kv REPLICA IDENTITY FULL")  # deletes carry v too
    hooked = Delivered()
    receiver = WebhookReceiver(keep_messages=False, on_message=hooked.add)
    try:
        sluice = launch_sluice(make_config(db, [
            webhook_sink("hook", "h", ["public.kv"]),
            pull_sink("queue", ["public.kv"], visibility_timeout="10s"),
        ], {"h": receiver.url("/h")}))
        db.wait_slot_active()

        workload = KvWorkload(db, TARGET_CHANGES, WORKLOAD_SECONDS, keys=KEYS,
                              per_txn=CHANGES_PER_TXN, seed=20261124)
        workload.start()
        rng = random.Random(42)
        kills = 0
        deadline = time.monotonic() + 180
        while (workload.is_alive() or kills < MIN_KILLS) and time.monotonic() < deadline:
            time.sleep(rng.uniform(0.5, 2.5))
            sluice.kill()
            kills += 1
            time.sleep(rng.uniform(0, 0.5))
            sluice.start(timeout=60)
        workload.join(timeout=60)
        assert workload.error is None, f"workload failed: {workload.error!r}"
        assert not workload.is_alive(), "workload did not finish"
        assert kills >= MIN_KILLS, f"only {kills} kills in the time allowed"
        assert workload.changes >= TARGET_CHANGES
        finished = time.monotonic()

        committed = workload.committed
        try:
            wait_until(lambda: not missing(committed, list(hooked.items)), 180, interval=1,
                       message="every committed change at the webhook")
        except WaitTimeout as e:
            gaps = missing(committed, list(hooked.items))
            raise AssertionError(f"{e}: {len(gaps)} missing, e.g. {gaps[:10]}") from None
        hook_drained = time.monotonic()
        expected = sum(len(v) for v in committed.values())
        pulled = sluice.drain(
            "queue", lambda got: len(got) >= expected and not missing(committed, got), 180,
            transform=compact)
        pulled += [compact(item["data"]) for item in sluice.receive("queue", wait_for_ms=1000)]
        pull_drained = time.monotonic()
    finally:
        receiver.close()

    final_rows = dict(db.sql("SELECT id, v FROM kv"))
    hook_items = list(hooked.items)
    print(f"{workload.changes} changes, {kills} SIGKILLs; webhook caught up "
          f"{hook_drained - finished:.1f}s after the workload, pull queue drained in "
          f"{pull_drained - hook_drained:.1f}s; webhook messages {len(hook_items)} "
          f"(duplicates: {duplicate_count(k for *_, k in hook_items)}), "
          f"pull messages {len(pulled)}")
    assert not missing(committed, pulled)
    assert duplicate_count(k for *_, k in pulled) == 0, "the pull queue holds duplicates"
    assert len(pulled) == expected
    assert_order_per_key(committed, hook_items, "webhook")
    assert_order_per_key(committed, pulled, "http_pull")
    _check_last_per_key(final_rows, committed, hook_items, "webhook")
    _check_last_per_key(final_rows, committed, pulled, "http_pull")
