"""Unchanged TOASTed columns: a marker with REPLICA IDENTITY DEFAULT, the value with FULL."""
import random
import string

from testlib.sluice import make_config, webhook_sink
from testlib.waits import wait_for_count


def test_unchanged_toast_value_is_marked_or_filled_in(db, webhook, launch_sluice):
    db.sql("""
        CREATE TABLE toast_default (id int PRIMARY KEY, n int, big text);
        CREATE TABLE toast_full (id int PRIMARY KEY, n int, big text);
        ALTER TABLE toast_full REPLICA IDENTITY FULL;
    """)
    launch_sluice(make_config(db, [
        webhook_sink("hook", "h", ["public.toast_default", "public.toast_full"]),
    ], {"h": webhook.url("/h")}))
    db.wait_slot_active()

    # Random letters barely compress, so 20 kB stays far above the 2 kB TOAST threshold.
    rng = random.Random(7)
    big = "".join(rng.choice(string.ascii_letters) for _ in range(20000))
    new_big = big[::-1]
    for table in ("toast_default", "toast_full"):
        db.sql(f"INSERT INTO {table} VALUES (1, 0, %s)", (big,))
        db.sql(f"UPDATE {table} SET n = 1 WHERE id = 1")       # big untouched
        db.sql(f"UPDATE {table} SET big = %s WHERE id = 1", (new_big,))
        db.sql(f"UPDATE {table} SET n = 2 WHERE id = 1")       # big untouched again
    assert db.scalar("SELECT pg_column_size(big) FROM toast_default") > 2048  # really TOASTed

    messages = wait_for_count(lambda: webhook.messages("/h"), 8, 30, "messages")
    by_table = {}
    for m in messages:
        by_table.setdefault(m["metadata"]["table_name"], []).append(m)

    insert, untouched, changed, untouched_again = by_table["toast_default"]
    assert insert["record"]["big"] == big
    assert not insert["metadata"].get("unchanged_toast_columns")
    assert untouched["record"] == {"id": 1, "n": 1, "big": "unchanged_toast"}
    assert untouched["metadata"]["unchanged_toast_columns"] == ["big"]
    assert changed["record"]["big"] == new_big
    assert not changed["metadata"].get("unchanged_toast_columns")
    assert untouched_again["record"] == {"id": 1, "n": 2, "big": "unchanged_toast"}
    assert untouched_again["metadata"]["unchanged_toast_columns"] == ["big"]

    insert, untouched, changed, untouched_again = by_table["toast_full"]
    assert insert["record"]["big"] == big
    assert untouched["record"] == {"id": 1, "n": 1, "big": big}
    assert not untouched["metadata"].get("unchanged_toast_columns")
    assert untouched["changes"] == {"n": 0}
    assert changed["record"]["big"] == new_big
    assert changed["changes"] == {"big": big}
    assert untouched_again["record"] == {"id": 1, "n": 2, "big": new_big}
    assert not untouched_again["metadata"].get("unchanged_toast_columns")
