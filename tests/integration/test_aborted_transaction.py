"""A transaction big enough to be streamed, then rolled back, delivers nothing."""
from testlib.sluice import make_config, pull_sink, webhook_sink
from testlib.waits import wait_for_count, wait_until


def test_rolled_back_streamed_transaction_delivers_nothing(db, webhook, launch_sluice):
    db.sql(f"ALTER DATABASE \"{db.name}\" SET logical_decoding_work_mem = '64kB'")
    db.sql("CREATE TABLE t (id int PRIMARY KEY, pad text)")
    sluice = launch_sluice(make_config(db, [
        webhook_sink("hook", "h", ["public.t"]),
        pull_sink("queue", ["public.t"]),
    ], {"h": webhook.url("/h")}))
    db.wait_slot_active()

    conn = db.connect()
    conn.autocommit = False
    try:
        with conn.cursor() as cur:
            cur.execute("INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 100000) g")
        # Leave it open until the decoder has handed (part of) it to sluice as a stream.
        wait_until(lambda: db.slot_stats()["stream_txns"] > 0, 30, interval=0.2,
                   message="the open transaction to be streamed (pgoutput streaming on?)")
    finally:
        conn.rollback()
        conn.close()
    db.sql("INSERT INTO t VALUES (-1, 'after the rollback')")

    [marker] = wait_for_count(lambda: webhook.messages("/h"), 1, 30, "messages")
    assert marker["record"]["id"] == -1
    pulled = sluice.drain_count("queue", 1, timeout=30)
    assert [m["record"]["id"] for m in pulled] == [-1]
    # Nothing of the aborted transaction trails behind the marker either.
    assert sluice.receive("queue", wait_for_ms=1000) == []
    assert [m["record"]["id"] for m in webhook.messages("/h")] == [-1]
