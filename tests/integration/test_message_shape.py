"""Every action's JSON message (shared/spec/messages.md), to a batched webhook and to http_pull.

Also checks how each Postgres type is rendered.
"""
import base64

from testlib.messages import check_envelope, idempotency_key, position, unique_by_key
from testlib.sluice import make_config, pull_sink, webhook_sink
from testlib.waits import wait_until

ACTIONS = ["insert", "update", "delete", "truncate"]
TABLES = ["public.shape", "public.shape_full", "public.pair"]


def _start(db, launch_sluice, sinks, endpoints):
    sluice = launch_sluice(make_config(db, sinks, endpoints))
    db.wait_slot_active()
    return sluice


def test_every_action_has_the_documented_shape(db, webhook, launch_sluice):
    db.sql("""
        CREATE TABLE shape (id int PRIMARY KEY, name text, n int);
        CREATE TABLE shape_full (id int PRIMARY KEY, name text, n int);
        ALTER TABLE shape_full REPLICA IDENTITY FULL;
        CREATE TABLE pair (a int, b text, v int, PRIMARY KEY (b, a));
    """)
    sluice = _start(db, launch_sluice, [
        webhook_sink("hook", "all", TABLES, actions=ACTIONS),
        pull_sink("queue", TABLES, actions=ACTIONS),
        webhook_sink("hook_no_truncate", "plain", ["public.shape"]),
    ], {"all": webhook.url("/all"), "plain": webhook.url("/plain")})

    conn = db.connect()
    conn.autocommit = False
    with conn.cursor() as cur:  # one transaction: commit_idx 0..4, annotated
        cur.execute("SELECT pg_logical_emit_message(true, 'sluice:annotations', %s)",
                    ('{"who": "test", "n": 1}',))
        cur.execute("INSERT INTO shape VALUES (1, 'Ada', 10), (2, 'Bob', 20), (3, 'Cy', 30)")
        cur.execute("INSERT INTO shape_full VALUES (1, 'Ada', 10)")
        cur.execute("INSERT INTO pair VALUES (7, 'x', 1)")
    conn.commit()
    conn.close()
    db.sql("UPDATE shape SET name = 'Ada L.' WHERE id = 1")
    db.sql("UPDATE shape_full SET name = 'Ada L.', n = 11 WHERE id = 1")
    db.sql("DELETE FROM shape WHERE id = 2")
    db.sql("DELETE FROM shape_full WHERE id = 1")
    db.sql("TRUNCATE shape")
    db.sql("INSERT INTO shape VALUES (9, 'after', 90)")

    expected = 11
    wait_until(lambda: len(unique_by_key(webhook.messages("/all"))) >= expected, 30,
               message=f"{expected} webhook messages")
    pulled = sluice.drain_count("queue", expected, timeout=30)
    wait_until(lambda: len(unique_by_key(webhook.messages("/plain"))) >= 6, 30,
               message="6 messages without truncate")

    # Batched webhook: bodies are {"data": [...]}, POSTed as JSON.
    for request in webhook.requests("/all"):
        assert isinstance(request.body, dict) and isinstance(request.body["data"], list)
        assert request.headers.get("Content-Type", "").startswith("application/json")

    for sink, messages in (("hook", unique_by_key(webhook.messages("/all"))), ("queue", pulled)):
        assert len(messages) == expected, (sink, messages)
        _check_stream(sink, messages, db.name)

    # Without `truncate` in actions the truncate is not delivered; later rows still are.
    plain = sorted(unique_by_key(webhook.messages("/plain")), key=position)
    assert [(m["action"], m["record"]["id"]) for m in plain] == [
        ("insert", 1), ("insert", 2), ("insert", 3), ("update", 1), ("delete", 2),
        ("insert", 9)]
    assert "truncate" not in {m["action"] for m in plain}


def _check_stream(sink, messages, db_name):
    messages = sorted(messages, key=position)
    metas = [check_envelope(m, "public", m["metadata"]["table_name"], sink) for m in messages]
    for meta in metas:
        assert meta["database"]["name"] == db_name
        assert meta["database"]["database"] == db_name

    first_txn = messages[:5]
    lsn = first_txn[0]["metadata"]["commit_lsn"]
    assert [m["metadata"]["commit_lsn"] for m in first_txn] == [lsn] * 5
    assert [m["metadata"]["commit_idx"] for m in first_txn] == [0, 1, 2, 3, 4]
    assert base64.b64decode(first_txn[4]["metadata"]["idempotency_key"]).decode() == f"{lsn}:4"
    for m in first_txn:
        assert m["action"] == "insert" and m["changes"] is None
        assert m["metadata"]["transaction_annotations"] == {"who": "test", "n": 1}
    assert [m["record"] for m in first_txn[:3]] == [
        {"id": 1, "name": "Ada", "n": 10}, {"id": 2, "name": "Bob", "n": 20},
        {"id": 3, "name": "Cy", "n": 30}]
    assert [m["metadata"]["record_pks"] for m in first_txn[:4]] == [["1"], ["2"], ["3"], ["1"]]
    # Composite key: record_pks in key-column order (b, a), as strings.
    assert first_txn[4]["metadata"]["table_name"] == "pair"
    assert first_txn[4]["metadata"]["record_pks"] == ["x", "7"]

    later = messages[5:]
    lsns = [m["metadata"]["commit_lsn"] for m in later]
    assert lsns == sorted(lsns) and len(set(lsns)) == len(lsns) and lsns[0] > lsn
    for m in later:
        assert m["metadata"]["commit_idx"] == 0
        assert m["metadata"]["transaction_annotations"] is None
        assert m["metadata"]["idempotency_key"] == idempotency_key(m["metadata"]["commit_lsn"], 0)

    update, update_full, delete, delete_full, truncate, insert_after = later
    # Default replica identity: old values unknown -> changes is {}.
    assert update["action"] == "update"
    assert update["record"] == {"id": 1, "name": "Ada L.", "n": 10}
    assert update["changes"] == {}
    # FULL: changes holds the old values of the changed columns only.
    assert update_full["action"] == "update"
    assert update_full["metadata"]["table_name"] == "shape_full"
    assert update_full["record"] == {"id": 1, "name": "Ada L.", "n": 11}
    assert update_full["changes"] == {"name": "Ada", "n": 10}
    # Delete, default identity: the key; other columns absent or null.
    assert delete["action"] == "delete" and delete["changes"] is None
    assert delete["record"]["id"] == 2
    assert all(v is None for k, v in delete["record"].items() if k != "id"), delete["record"]
    assert delete["metadata"]["record_pks"] == ["2"]
    # Delete, FULL: the whole old row.
    assert delete_full["action"] == "delete"
    assert delete_full["record"] == {"id": 1, "name": "Ada L.", "n": 11}
    assert truncate["action"] == "truncate" and truncate["record"] is None
    assert truncate["metadata"]["table_name"] == "shape"
    assert insert_after["action"] == "insert"
    assert insert_after["record"] == {"id": 9, "name": "after", "n": 90}


TYPES_DDL = """
CREATE TABLE types (
  id int PRIMARY KEY, i2 smallint, i8 bigint, f4 real, f8 double precision,
  f8_nan double precision, f8_inf double precision, f8_ninf double precision, num numeric,
  b bool, t text, vc varchar(20), u uuid, j jsonb, js json, tstz timestamptz, ts timestamp,
  d date, d_inf date, iv interval, by bytea, ia int[], ta text[], ia2 int[][], ip inet,
  nothing text)
"""

TYPES_ROW = """
INSERT INTO types VALUES (
  1, -32768, 9007199254740993, 1.5, 0.1, 'NaN', 'Infinity', '-Infinity', 1200.50,
  true, E'h\\u00e9llo "q"\\n\\ttab\\\\', 'vc', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"a": [1, 2, {"b": null}], "s": "x"}', '[1, "two"]', '2026-11-24 08:37:13.123456+02',
  '2026-11-24 06:37:13.123456', '2026-11-24', 'infinity', '1 mon 2 days 01:00:00.5',
  '\\x0a0bff', '{1,NULL,3}', '{a,"b c",NULL,"q\\"x"}', '{{1,2},{3,4}}', '192.168.0.1/24',
  NULL)
"""

TYPES_JSON = {
    "id": 1, "i2": -32768, "i8": 9007199254740993, "f4": 1.5, "f8": 0.1,
    "f8_nan": "NaN", "f8_inf": "Infinity", "f8_ninf": "-Infinity", "num": "1200.50",
    "b": True, "t": 'h\u00e9llo "q"\n\ttab\\', "vc": "vc",
    "u": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "j": {"a": [1, 2, {"b": None}], "s": "x"}, "js": [1, "two"],
    "tstz": "2026-11-24T06:37:13.123456Z", "ts": "2026-11-24T06:37:13.123456",
    "d": "2026-11-24", "d_inf": "infinity",
    "iv": {"months": 1, "days": 2, "microseconds": 3600500000},
    "by": "\\x0a0bff", "ia": [1, None, 3], "ta": ["a", "b c", None, 'q"x'],
    "ia2": [[1, 2], [3, 4]], "ip": "192.168.0.1/24", "nothing": None,
}


def test_column_types_are_rendered_as_documented(db, webhook, launch_sluice):
    db.sql(TYPES_DDL)
    sluice = _start(db, launch_sluice, [
        webhook_sink("hook", "all", ["public.types"]),
        pull_sink("queue", ["public.types"]),
    ], {"all": webhook.url("/all")})
    db.sql(TYPES_ROW)
    [hooked] = wait_until(lambda: webhook.messages("/all"), 30, message="the types row")
    [pulled] = sluice.drain_count("queue", 1, timeout=30)
    for message in (hooked, pulled):
        record = message["record"]
        assert set(record) == set(TYPES_JSON), sorted(set(record) ^ set(TYPES_JSON))
        for column, want in TYPES_JSON.items():
            assert record[column] == want, f"{column}: got {record[column]!r}, want {want!r}"
            assert type(record[column]) is type(want), f"{column}: {record[column]!r}"
