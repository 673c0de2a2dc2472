"""sluice is SIGKILLed again and again under a write workload: no committed change is lost.

Each row carries a version `v` that the workload bumps on every update, so a change is the
triple (id, action, v) and the expected stream of every key is known exactly.
"""
import random
import threading
import time

import pytest

from testlib.messages import duplicate_count, first_occurrences
from testlib.sluice import make_config, pull_sink, webhook_sink
from testlib.waits import WaitTimeout, wait_until
from testlib.webhook import WebhookReceiver

KEYS = 1000
TARGET_CHANGES = 100_000
CHANGES_PER_TXN = 20
WORKLOAD_SECONDS = 35      # paced so that the kills land while it writes
MIN_KILLS = 10


class Workload(threading.Thread):
    """Random inserts/updates/deletes over KEYS keys; records every committed change."""

    def __init__(self, db, seed):
        super().__init__(daemon=True)
        self.db = db
        self.rng = random.Random(seed)
        self.version = {}      # id -> last version written (survives deletes)
        self.exists = set()
        self.committed = {}    # id -> [(action, v)] in commit order
        self.changes = 0
        self.error = None

    def _plan(self):
        """The SQL of one transaction and its changes, applied to the model as it goes."""
        statements, changes = [], []
        for _ in range(CHANGES_PER_TXN):
            key = self.rng.randint(1, KEYS)
            v = self.version.get(key, 0)
            if key not in self.exists:
                statements.append(f"INSERT INTO kv VALUES ({key}, {v + 1}, 'p')")
                changes.append((key, "insert", v + 1))
                self.exists.add(key)
                self.version[key] = v + 1
            elif self.rng.random() < 0.8:
                statements.append(f"UPDATE kv SET v = {v + 1} WHERE id = {key}")
                changes.append((key, "update", v + 1))
                self.version[key] = v + 1
            else:
                statements.append(f"DELETE FROM kv WHERE id = {key}")
                changes.append((key, "delete", v))
                self.exists.discard(key)
        return ";".join(statements), changes

    def run(self):
        conn = self.db.connect()
        conn.autocommit = False
        start = time.monotonic()
        try:
            with conn.cursor() as cur:
                while self.changes < TARGET_CHANGES:
                    sql, changes = self._plan()
                    cur.execute(sql)
                    conn.commit()
                    for key, action, v in changes:
                        self.committed.setdefault(key, []).append((action, v))
                    self.changes += len(changes)
                    ahead = start + WORKLOAD_SECONDS * self.changes / TARGET_CHANGES
                    time.sleep(max(0.0, ahead - time.monotonic()))
        except Exception as e:  # surfaced by the test thread
            self.error = e
        finally:
            conn.close()


class Delivered:
    """Compact record of delivered changes: (id, action, v, idempotency_key) per message."""

    def __init__(self):
        self.items = []

    def add(self, _path, message):
        self.items.append(_compact(message))


def _compact(message):
    record = message["record"]
    return record["id"], message["action"], record["v"], message["metadata"]["idempotency_key"]


def _missing(committed, delivered):
    seen = {(i, a, v) for i, a, v, _ in delivered}
    return [(k, a, v) for k, events in committed.items() for a, v in events
            if (k, a, v) not in seen]


def _check_order_per_key(committed, delivered, sink):
    """Per key, the first delivery of each change follows commit order."""
    per_key = {}
    for i, a, v, _ in delivered:
        per_key.setdefault(i, []).append((a, v))
    wrong = []
    for key, events in committed.items():
        got = first_occurrences(per_key.get(key, []))
        if got != events:
            at = next(i for i, pair in enumerate(zip(got + [None], events + [None]))
                      if pair[0] != pair[1])
            wrong.append(f"id {key} from change #{at}: got {got[at:at + 4]}, "
                         f"committed {events[at:at + 4]}")
    assert not wrong, f"{sink}: {len(wrong)} keys out of order, e.g. {wrong[:3]}"


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

        workload = Workload(db, seed=20261124)
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
            wait_until(lambda: not _missing(committed, list(hooked.items)), 180, interval=1,
                       message="every committed change at the webhook")
        except WaitTimeout as e:
            missing = _missing(committed, list(hooked.items))
            raise AssertionError(f"{e}: {len(missing)} missing, e.g. {missing[:10]}") from None
        hook_drained = time.monotonic()
        expected = sum(len(v) for v in committed.values())
        pulled = sluice.drain(
            "queue", lambda got: len(got) >= expected and not _missing(committed, got), 180,
            transform=_compact)
        pulled += [_compact(item["data"]) for item in sluice.receive("queue", wait_for_ms=1000)]
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
    assert not _missing(committed, pulled)
    assert duplicate_count(k for *_, k in pulled) == 0, "the pull queue holds duplicates"
    assert len(pulled) == expected
    _check_order_per_key(committed, hook_items, "webhook")
    _check_order_per_key(committed, pulled, "http_pull")
    _check_last_per_key(final_rows, committed, hook_items, "webhook")
    _check_last_per_key(final_rows, committed, pulled, "http_pull")
