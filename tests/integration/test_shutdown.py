"""SIGTERM flushes, confirms the slot and exits 0; a restart does not redeliver to http_pull."""
from testlib.messages import duplicate_count
from testlib.sluice import make_config, pull_sink, webhook_sink
from testlib.waits import wait_until


def test_sigterm_flushes_and_restart_does_not_redeliver(db, webhook, launch_sluice):
    db.sql("CREATE TABLE t (id int PRIMARY KEY)")
    sluice = launch_sluice(make_config(db, [
        webhook_sink("hook", "h", ["public.t"]),
        pull_sink("queue", ["public.t"]),
    ], {"h": webhook.url("/h")}))
    db.wait_slot_active()

    for first in range(1, 1001, 100):
        db.sql(f"INSERT INTO t SELECT generate_series({first}, {first + 99})")
    consumed = sluice.drain_count("queue", 1000, timeout=30)

    conn = db.connect()
    conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("INSERT INTO t SELECT generate_series(1001, 1500)")
        cur.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")
        before_commit = cur.fetchone()[0]
    conn.commit()
    conn.close()
    wait_until(lambda: {m["record"]["id"] for m in webhook.messages("/h")}
               >= set(range(1, 1501)), 30, message="the webhook to have all 1500")
    assert sluice.stop(timeout=30) == 0, sluice.stderr_tail()
    assert db.slot_state()["confirmed_flush_lsn"] > before_commit, (
        "the slot was not confirmed past the last delivered transaction at shutdown")
    delivered_before_restart = len(webhook.messages("/h"))

    sluice.start()
    db.wait_slot_active()
    db.sql("INSERT INTO t SELECT generate_series(1501, 1510)")
    after = sluice.drain_count("queue", 510, timeout=30)
    after += [item["data"] for item in sluice.receive("queue", wait_for_ms=1500)]
    wait_until(lambda: 1510 in {m["record"]["id"] for m in webhook.messages("/h")}, 30,
               message="the webhook to get row 1510")

    assert sorted(m["record"]["id"] for m in consumed) == list(range(1, 1001))
    assert sorted(m["record"]["id"] for m in after) == list(range(1001, 1511))
    keys = [m["metadata"]["idempotency_key"] for m in consumed + after]
    assert duplicate_count(keys) == 0
    resent = [m["record"]["id"] for m in webhook.messages("/h")[delivered_before_restart:]
              if m["record"]["id"] <= 1500]
    print(f"webhook messages re-sent after the graceful restart: {len(resent)}")
    assert sluice.stop(timeout=30) == 0, sluice.stderr_tail()
