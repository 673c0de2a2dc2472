"""A paced insert/update/delete workload on one table, kv(id, v, pad), that remembers every
committed change, plus the checks the sink end-to-end tests make on what arrived.

Each row carries a version `v` bumped on every update, so a change is (id, action, v) and the
expected stream of every key is known exactly. REPLICA IDENTITY FULL: deletes carry `v` too.
"""
import random
import threading
import time

from testlib.messages import first_occurrences

KV_TABLE_SQL = ("CREATE TABLE kv (id int PRIMARY KEY, v int NOT NULL, pad text);"
                " ALTER TABLE kv REPLICA IDENTITY FULL")


class KvWorkload(threading.Thread):
    """Writes `changes` changes over `keys` keys in transactions of `per_txn`, spread evenly
    over `seconds`. `committed` maps id -> [(action, v)] in commit order."""

    def __init__(self, db, changes, seconds, keys=1000, per_txn=50, seed=1):
        super().__init__(daemon=True)
        self.db, self.target, self.seconds = db, changes, seconds
        self.keys, self.per_txn = keys, per_txn
        self.rng = random.Random(seed)
        self.version, self.exists, self.committed = {}, set(), {}
        self.changes = 0
        self.error = None

    def _plan(self):
        statements, changes = [], []
        for _ in range(self.per_txn):
            key = self.rng.randint(1, self.keys)
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
                while self.changes < self.target:
                    sql, changes = self._plan()
                    cur.execute(sql)
                    conn.commit()
                    for key, action, v in changes:
                        self.committed.setdefault(key, []).append((action, v))
                    self.changes += len(changes)
                    ahead = start + self.seconds * self.changes / self.target
                    time.sleep(max(0.0, ahead - time.monotonic()))
        except Exception as e:  # surfaced by the test thread
            self.error = e
        finally:
            conn.close()


def compact(message):
    """(id, action, v, idempotency_key) of one delivered sluice message."""
    record = message["record"]
    return record["id"], message["action"], record["v"], message["metadata"]["idempotency_key"]


def missing(committed, delivered):
    """Committed changes that are not among the delivered (id, action, v, key) tuples."""
    seen = {(i, a, v) for i, a, v, _ in delivered}
    return [(k, a, v) for k, events in committed.items() for a, v in events
            if (k, a, v) not in seen]


def assert_order_per_key(committed, delivered, sink):
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
