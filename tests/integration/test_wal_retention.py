"""Writes nobody reads must not pin WAL: the slot keeps up with the server."""
from testlib.sluice import make_config, webhook_sink
from testlib.waits import WaitTimeout, wait_for_count, wait_until

MB = 1024 * 1024


def test_unrelated_writes_do_not_retain_wal(db, webhook, launch_sluice):
    db.sql("CREATE TABLE watched (id int PRIMARY KEY);"
           " CREATE TABLE unrelated (id int PRIMARY KEY, pad text)")
    launch_sluice(make_config(db, [webhook_sink("hook", "h", ["public.watched"])],
                              {"h": webhook.url("/h")}))
    db.wait_slot_active()

    start = db.current_wal_lsn()
    next_id = 0
    while db.current_wal_lsn() - start < 50 * MB:  # ~50 MB of WAL in many transactions
        db.sql("INSERT INTO unrelated SELECT g, repeat(md5(g::text), 4)"
               f" FROM generate_series({next_id + 1}, {next_id + 20000}) g")
        next_id += 20000
    written = db.current_wal_lsn() - start
    # A checkpoint logs the running transactions, which lets restart_lsn move on.
    db.sql("CHECKPOINT")

    def caught_up():
        state = db.slot_state()
        current = db.current_wal_lsn()
        lag, retained = current - state["confirmed_flush_lsn"], current - state["restart_lsn"]
        caught_up.last = f"confirmed lag {lag} B, retained {retained} B"
        return lag < 1 * MB and retained < 16 * MB

    try:
        wait_until(caught_up, 20, interval=0.25, message="the slot to catch up")
    except WaitTimeout as e:
        raise AssertionError(f"{e} after {written / MB:.0f} MB of WAL: {caught_up.last}") from None
    print(f"{written / MB:.0f} MB of unrelated WAL; then {caught_up.last}")
    assert webhook.messages("/h") == []

    # The sink is still alive and reads its table.
    db.sql("INSERT INTO watched VALUES (1)")
    [message] = wait_for_count(lambda: webhook.messages("/h"), 1, 30, "messages")
    assert message["record"] == {"id": 1}
