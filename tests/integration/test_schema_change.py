"""ALTER TABLE between writes, sluice kept running: each message has the shape of its time."""
from testlib.messages import position
from testlib.sluice import make_config, pull_sink, webhook_sink
from testlib.waits import wait_until


def test_messages_follow_add_drop_rename_and_type_change(db, webhook, launch_sluice):
    db.sql("CREATE TABLE evolve (id int PRIMARY KEY, a text, b int)")
    sluice = launch_sluice(make_config(db, [
        webhook_sink("hook", "h", ["public.evolve"]),
        pull_sink("queue", ["public.evolve"]),
    ], {"h": webhook.url("/h")}))
    db.wait_slot_active()

    steps = [
        ("INSERT INTO evolve VALUES (1, 'a1', 1)",
         {"id": 1, "a": "a1", "b": 1}),
        ("ALTER TABLE evolve ADD COLUMN c text DEFAULT 'dflt';"
         " INSERT INTO evolve VALUES (2, 'a2', 2, 'c2')",
         {"id": 2, "a": "a2", "b": 2, "c": "c2"}),
        ("UPDATE evolve SET a = 'a1x' WHERE id = 1",
         {"id": 1, "a": "a1x", "b": 1, "c": "dflt"}),
        ("ALTER TABLE evolve DROP COLUMN b; INSERT INTO evolve VALUES (3, 'a3', 'c3')",
         {"id": 3, "a": "a3", "c": "c3"}),
        ("ALTER TABLE evolve RENAME COLUMN a TO alpha; INSERT INTO evolve VALUES (4, 'a4', 'c4')",
         {"id": 4, "alpha": "a4", "c": "c4"}),
        ("ALTER TABLE evolve ALTER COLUMN c DROP DEFAULT,"
         " ALTER COLUMN c TYPE int USING length(c);"
         " INSERT INTO evolve VALUES (5, 'a5', 42)",
         {"id": 5, "alpha": "a5", "c": 42}),
        ("UPDATE evolve SET alpha = 'a2x' WHERE id = 2",
         {"id": 2, "alpha": "a2x", "c": 2}),
    ]
    # Each write waits for the previous message, so the stream is mid-flight at every ALTER.
    for count, (sql, _) in enumerate(steps, start=1):
        db.sql(sql)
        wait_until(lambda: len(webhook.messages("/h")) >= count, 30,
                   message=f"message {count} after {sql!r}")

    want = [record for _, record in steps]
    assert [m["record"] for m in webhook.messages("/h")] == want
    pulled = sorted(sluice.drain_count("queue", len(steps), timeout=30), key=position)
    assert [m["record"] for m in pulled] == want
