"""Postgres goes away for a while mid-stream: /health says so, and nothing is lost after."""
import time

from testlib.messages import duplicate_count
from testlib.sluice import make_config, pull_sink, webhook_sink
from testlib.waits import wait_until

ROWS_PER_PHASE = 2000


def _insert(db, first, count, per_txn=10):
    conn = db.connect()
    try:
        with conn.cursor() as cur:
            for start in range(first, first + count, per_txn):
                cur.execute("INSERT INTO t SELECT g, 'x' FROM generate_series(%s, %s) g",
                            (start, start + per_txn - 1))
    finally:
        conn.close()


def test_streaming_resumes_after_postgres_restart(pg, db, webhook, launch_sluice):
    db.sql("CREATE TABLE t (id int PRIMARY KEY, pad text)")
    sluice = launch_sluice(make_config(db, [
        webhook_sink("hook", "h", ["public.t"]),
        pull_sink("queue", ["public.t"]),
    ], {"h": webhook.url("/h")}))
    db.wait_slot_active()

    _insert(db, 1, ROWS_PER_PHASE)   # then stop at once: part of it is still in flight
    stop_started = time.monotonic()
    pg.stop()
    stopped = time.monotonic()
    wait_until(lambda: sluice.health_status() == 503, 10, interval=0.1,
               message="/health 503 while Postgres is down")
    time.sleep(max(0.0, 5 - (time.monotonic() - stopped)))
    assert sluice.health_status() == 503
    assert sluice.running()
    pg.start()
    wait_until(lambda: sluice.health_status() == 200, 30, interval=0.2,
               message="/health 200 after Postgres is back")
    db.wait_slot_active(timeout=30)
    _insert(db, ROWS_PER_PHASE + 1, ROWS_PER_PHASE)

    want = set(range(1, 2 * ROWS_PER_PHASE + 1))
    wait_until(lambda: {m["record"]["id"] for m in webhook.messages("/h")} >= want, 60,
               interval=0.5, message="every row at the webhook")
    pulled = sluice.drain_count("queue", len(want), timeout=60)
    pulled += [item["data"] for item in sluice.receive("queue", wait_for_ms=1000)]
    duplicates = duplicate_count(m["metadata"]["idempotency_key"] for m in webhook.messages("/h"))
    print(f"pg_ctl stop took {stopped - stop_started:.1f}s; webhook duplicates: {duplicates}")
    assert sorted(m["record"]["id"] for m in pulled) == sorted(want)
    # The reconnect replays from the slot, but each sink skips what it had already settled:
    # at most what was in flight at the stop comes twice, never the whole first phase.
    assert duplicates < ROWS_PER_PHASE // 4
