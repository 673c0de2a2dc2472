#!/usr/bin/env python3
"""Captures real pgoutput bytes from a Postgres server into golden test files.

For every case below: a fresh database, a publication FOR ALL TABLES, the case's setup SQL, a
new pgoutput slot, the case's workload, then an end marker (a non-transactional logical
message). The replication stream (protocol 2, streaming on, messages on) is read up to that
marker and written to pgoutput/<case>.bin; an independent Python decode of the same bytes
becomes pgoutput/<case>.json, the expected output of the C++ decoder. See README.md.

Needs psycopg2 (pip install psycopg2-binary) and a server with wal_level=logical; set
logical_decoding_work_mem=64kB so that the `streamed` case is streamed.

  tests/golden/capture.py --dsn "host=127.0.0.1 port=55431 user=postgres" [case ...]
"""
import argparse
import json
import os
import struct
import sys
import time

import psycopg2
import psycopg2.extras

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "pgoutput")
DATABASE = "sluice_golden"
SLOT = "sluice_golden"
PUBLICATION = "sluice_golden_pub"
END_PREFIX = "sluice-golden-end"
PG_EPOCH_UNIX_US = 946684800 * 1000000
CAPTURE_TIMEOUT_S = 30

# Each case: setup SQL (before the slot exists, so not captured), workload statements (each
# runs in autocommit mode; write BEGIN/COMMIT for multi-statement transactions) and optional
# replication session options (the walsender renders values with its own settings).
CASES = {
    "crud": {
        "setup": "CREATE TABLE items (id bigint PRIMARY KEY, name text, qty int)",
        "workload": [
            "INSERT INTO items VALUES (1, 'apple', 3)",
            "BEGIN; INSERT INTO items VALUES (2, 'pear', NULL), (3, 'fig', 7); "
            "UPDATE items SET qty = 4 WHERE id = 1; COMMIT",
            "UPDATE items SET name = 'big fig' WHERE id = 3",
            "DELETE FROM items WHERE id = 2",
        ],
    },
    "truncate": {
        "setup": "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY);"
                 "INSERT INTO a VALUES (1); INSERT INTO b VALUES (1)",
        "workload": [
            "INSERT INTO a VALUES (2)",
            "TRUNCATE a, b",
            "TRUNCATE a RESTART IDENTITY",
        ],
    },
    "identity_default": {
        "setup": "CREATE TABLE acct (id int PRIMARY KEY, owner text, balance numeric(12,2));"
                 "INSERT INTO acct VALUES (1, 'ada', 10.50), (2, 'bob', 0)",
        "workload": [
            "UPDATE acct SET balance = 11.25 WHERE id = 1",
            "UPDATE acct SET id = 3 WHERE id = 2",
            "DELETE FROM acct WHERE id = 1",
        ],
    },
    "identity_full": {
        "setup": "CREATE TABLE acct (id int PRIMARY KEY, owner text, balance numeric(12,2));"
                 "ALTER TABLE acct REPLICA IDENTITY FULL;"
                 "INSERT INTO acct VALUES (1, 'ada', 10.50), (2, 'bob', 0)",
        "workload": [
            "UPDATE acct SET balance = 11.25 WHERE id = 1",
            "UPDATE acct SET id = 3, owner = NULL WHERE id = 2",
            "DELETE FROM acct WHERE id = 1",
        ],
    },
    "unchanged_toast": {
        # STORAGE EXTERNAL: stored out of line uncompressed, so 4 kB is enough to be TOASTed.
        "setup": "CREATE TABLE docs (id int PRIMARY KEY, title text, body text);"
                 "ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;"
                 "CREATE TABLE docs_full (id int PRIMARY KEY, title text, body text);"
                 "ALTER TABLE docs_full ALTER COLUMN body SET STORAGE EXTERNAL;"
                 "ALTER TABLE docs_full REPLICA IDENTITY FULL;"
                 "INSERT INTO docs VALUES (1, 'one', repeat('x', 4000));"
                 "INSERT INTO docs_full VALUES (1, 'one', repeat('y', 4000))",
        "workload": [
            "UPDATE docs SET title = 'uno' WHERE id = 1",
            "UPDATE docs_full SET title = 'uno' WHERE id = 1",
            "DELETE FROM docs WHERE id = 1",
        ],
    },
    "schema_change": {
        "setup": "CREATE TABLE evolving (id int PRIMARY KEY, a text)",
        "workload": [
            "INSERT INTO evolving VALUES (1, 'first')",
            "ALTER TABLE evolving ADD COLUMN b int DEFAULT 7",
            "INSERT INTO evolving VALUES (2, 'second', 2)",
            "ALTER TABLE evolving RENAME COLUMN a TO title",
            "INSERT INTO evolving VALUES (3, 'third', 3)",
            "ALTER TABLE evolving ALTER COLUMN b TYPE bigint",
            "INSERT INTO evolving VALUES (4, 'fourth', 4000000000)",
            "ALTER TABLE evolving DROP COLUMN title",
            "INSERT INTO evolving VALUES (5, 5)",
            # Schema change inside one transaction, between two changes.
            "BEGIN; INSERT INTO evolving VALUES (6, 6); ALTER TABLE evolving ADD COLUMN c text;"
            " INSERT INTO evolving VALUES (7, 7, 'c'); COMMIT",
        ],
    },
    "streamed": {
        # More than logical_decoding_work_mem (64kB) in the top transaction and again in a
        # subtransaction that is rolled back: both are streamed, then a Stream Abort names the
        # subtransaction, and the rest commits with Stream Commit.
        "setup": "CREATE TABLE bulk (id int PRIMARY KEY, pad text)",
        "workload": [
            "BEGIN;"
            " INSERT INTO bulk SELECT g, repeat('a', 900) FROM generate_series(1, 90) g;"
            " SAVEPOINT s1;"
            " INSERT INTO bulk SELECT g, repeat('b', 900) FROM generate_series(101, 190) g;"
            " ROLLBACK TO SAVEPOINT s1;"
            " INSERT INTO bulk VALUES (1000, 'after rollback');"
            " COMMIT",
        ],
    },
    "messages": {
        "setup": "CREATE TABLE notes (id int PRIMARY KEY, body text)",
        "workload": [
            "BEGIN; SELECT pg_logical_emit_message(true, 'sluice:annotations', '{\"by\":\"ada\"}');"
            " INSERT INTO notes VALUES (1, 'annotated'); COMMIT",
            "SELECT pg_logical_emit_message(false, 'heartbeat', 'tick')",
            "SELECT pg_logical_emit_message(true, 'bytes', '\\x00ff'::bytea)",
        ],
    },
    "five_columns": {
        # The row of bench/decode_encode_bench.cc.
        "setup": "CREATE TABLE orders (id int8 PRIMARY KEY, customer text, total numeric(12,2),"
                 " created_at timestamptz, paid bool)",
        "workload": [
            "INSERT INTO orders VALUES (123456789, 'Ada Lovelace', 1200.50,"
            " '2026-11-24 06:37:13.123456+00', true)",
        ],
    },
    "types": {
        "options": "-c TimeZone=Asia/Kolkata -c extra_float_digits=1",
        "setup": """
            CREATE EXTENSION citext;
            CREATE TYPE mood AS ENUM ('sad', 'happy');
            CREATE DOMAIN positive_int AS int CHECK (VALUE > 0);
            CREATE TYPE pair AS (x int, y text);
            CREATE TABLE matrix (
              id int PRIMARY KEY, c_int2 int2, c_int4 int4, c_int8 int8, c_oid oid,
              c_float4 float4, c_float8 float8, c_numeric numeric, c_bool bool,
              c_text text, c_varchar varchar(10), c_char char(3), c_name name, c_citext citext,
              c_mood mood, c_uuid uuid, c_json json, c_jsonb jsonb, c_timestamptz timestamptz,
              c_timestamp timestamp, c_date date, c_time time, c_timetz timetz,
              c_interval interval, c_bytea bytea, c_money money, c_inet inet, c_point point,
              c_pair pair, c_range int4range, c_domain positive_int,
              c_int_array int[], c_text_array text[], c_float_array float8[][],
              c_mood_array mood[], c_jsonb_array jsonb[], c_ts_array timestamptz[])""",
        "workload": [
            """INSERT INTO matrix VALUES (1, -32768, 2147483647, -9223372036854775808, 4294967295,
              1.5, 'NaN', 1200.50, true, 'tab\there "quoted" \\ back', 'varchar', 'ab',
              'a_name', 'CiText', 'happy', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
              '{"a": [1, 2.5, null]}', '{"b": {"c": true}}', '2026-11-24 06:37:13.123456+00',
              '2026-11-24 06:37:13.5', '2026-11-24', '04:05:06.789', '04:05:06+05:30',
              '1 year 2 mons 3 days 04:05:06.5', '\\x0a0bff', 12.34, '192.168.0.1/24',
              '(1.5,2)', ROW(1, 'x y'), '[1,10)', 42, '{1,NULL,3}',
              '{"plain","with space","with,comma","with\\"quote",NULL,"NULL",""}',
              '{{1.5,Infinity},{-Infinity,NaN}}', '{sad,happy}', ARRAY['{"k": 1}'::jsonb],
              ARRAY['2026-01-01 00:00:00+00'::timestamptz])""",
            """INSERT INTO matrix (id, c_float4, c_float8, c_numeric, c_bool, c_timestamptz,
              c_timestamp, c_date, c_interval, c_int_array)
              VALUES (2, '-Infinity', 'Infinity', 'NaN', false, 'infinity', '-infinity',
              'infinity', '-00:00:01', '[0:1]={7,8}')""",
            "INSERT INTO matrix (id) VALUES (3)",
        ],
    },
}


class Reader:
    """Reads big-endian protocol fields from the front of a bytes object."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("truncated message")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u8(self):
        return self.take(1)[0]

    def u16(self):
        return struct.unpack(">H", self.take(2))[0]

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def cstring(self):
        end = self.data.index(b"\0", self.pos)
        text = self.data[self.pos:end].decode()
        self.pos = end + 1
        return text

    def done(self):
        return self.pos == len(self.data)


class ReferenceDecoder:
    """A straightforward pgoutput decoder, written apart from the C++ one to check it."""

    def __init__(self):
        self.relations = {}
        self.in_stream = False
        self.xid = 0
        self.events = []

    def tuple(self, r):
        values = []
        for _ in range(r.u16()):
            kind = chr(r.u8())
            if kind == "n":
                values.append(None)
            elif kind == "u":
                values.append({"unchanged_toast": True})
            elif kind in "tb":
                values.append(r.take(r.u32()).decode())
            else:
                raise ValueError("bad tuple kind " + kind)
        return values

    def change(self, action, stream_xid, rel, old=None, key_only=False, new=None):
        self.events.append({
            "type": "change", "action": action, "stream_xid": stream_xid, "xid": self.xid,
            "relation": self.relations[rel], "old": old, "old_is_key_only": key_only,
            "new": new})

    def decode(self, payload):
        r = Reader(payload)
        tag = chr(r.u8())
        stream_xid = 0
        if self.in_stream and tag in "RYIUDTM":
            stream_xid = r.u32()
        if tag == "B":
            final_lsn, ts, self.xid = r.u64(), r.i64(), r.u32()
            self.events.append({"type": "begin", "final_lsn": final_lsn,
                                "commit_time_us": ts + PG_EPOCH_UNIX_US, "xid": self.xid})
        elif tag == "C":
            r.u8()
            commit_lsn, end_lsn, ts = r.u64(), r.u64(), r.i64()
            self.events.append({"type": "commit", "commit_lsn": commit_lsn, "end_lsn": end_lsn,
                                "commit_time_us": ts + PG_EPOCH_UNIX_US})
        elif tag == "R":
            oid, schema, table, identity = r.u32(), r.cstring(), r.cstring(), chr(r.u8())
            columns = []
            for _ in range(r.u16()):
                flags, name, type_oid, typmod = r.u8(), r.cstring(), r.u32(), r.i32()
                columns.append({"name": name, "type_oid": type_oid, "type_modifier": typmod,
                                "key": bool(flags & 1)})
            self.relations[oid] = {"oid": oid, "schema": schema, "table": table,
                                   "replica_identity": identity, "columns": columns}
        elif tag == "Y":
            r.u32(), r.cstring(), r.cstring()
        elif tag == "O":
            r.u64(), r.cstring()
        elif tag == "I":
            rel = r.u32()
            assert chr(r.u8()) == "N"
            self.change("insert", stream_xid, rel, new=self.tuple(r))
        elif tag in "UD":
            rel = r.u32()
            marker = chr(r.u8())
            old, key_only = None, False
            if marker in "KO":
                old, key_only = self.tuple(r), marker == "K"
                if tag == "U":
                    marker = chr(r.u8())
            new = None
            if tag == "U":
                assert marker == "N"
                new = self.tuple(r)
            self.change("update" if tag == "U" else "delete", stream_xid, rel, old, key_only,
                        new)
        elif tag == "T":
            count, _options = r.u32(), r.u8()
            for rel in [r.u32() for _ in range(count)]:
                self.change("truncate", stream_xid, rel)
        elif tag == "M":
            flags, lsn, prefix = r.u8(), r.u64(), r.cstring()
            content = r.take(r.u32())
            self.events.append({"type": "message", "xid": stream_xid,
                                "transactional": bool(flags & 1), "lsn": lsn, "prefix": prefix,
                                "content": content.decode("latin-1")})
        elif tag == "S":
            self.xid, first = r.u32(), r.u8()
            self.in_stream = True
            self.events.append({"type": "stream_start", "xid": self.xid,
                                "first_segment": first == 1})
        elif tag == "E":
            self.in_stream = False
            self.events.append({"type": "stream_stop"})
        elif tag == "c":
            xid, _flags = r.u32(), r.u8()
            commit_lsn, end_lsn, ts = r.u64(), r.u64(), r.i64()
            self.events.append({"type": "stream_commit", "xid": xid, "commit_lsn": commit_lsn,
                                "end_lsn": end_lsn, "commit_time_us": ts + PG_EPOCH_UNIX_US})
        elif tag == "A":
            xid, subxid = r.u32(), r.u32()
            self.events.append({"type": "stream_abort", "xid": xid, "subxid": subxid})
        else:
            raise ValueError("unexpected message " + tag)
        if not r.done():
            raise ValueError("trailing bytes in message " + tag)


def is_end_marker(payload):
    if payload[:1] != b"M":
        return False
    r = Reader(payload)
    r.u8()
    flags, _lsn, prefix = r.u8(), r.u64(), r.cstring()
    return not flags & 1 and prefix == END_PREFIX


def execute(dsn, sql, dbname="postgres"):
    conn = psycopg2.connect(dsn, dbname=dbname)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def capture(dsn, name, case):
    execute(dsn, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    execute(dsn, f"CREATE DATABASE {DATABASE}")
    execute(dsn, case["setup"] + f"; CREATE PUBLICATION {PUBLICATION} FOR ALL TABLES", DATABASE)
    execute(dsn, f"SELECT pg_create_logical_replication_slot('{SLOT}', 'pgoutput')", DATABASE)
    try:
        for statement in case["workload"]:
            execute(dsn, statement, DATABASE)
        execute(dsn, f"SELECT pg_logical_emit_message(false, '{END_PREFIX}', '')", DATABASE)
        payloads = read_stream(dsn, case.get("options", ""))
    finally:
        execute(dsn, f"SELECT pg_drop_replication_slot('{SLOT}')", DATABASE)
        execute(dsn, f"DROP DATABASE {DATABASE} WITH (FORCE)")

    decoder = ReferenceDecoder()
    for payload in payloads:
        decoder.decode(payload)
    with open(os.path.join(OUT_DIR, name + ".bin"), "wb") as f:
        for payload in payloads:
            f.write(struct.pack(">I", len(payload)))
            f.write(payload)
    with open(os.path.join(OUT_DIR, name + ".json"), "w") as f:
        json.dump(decoder.events, f, indent=1)
        f.write("\n")
    print(f"{name}: {len(payloads)} messages, {len(decoder.events)} events")


def read_stream(dsn, options):
    conn = psycopg2.connect(dsn, dbname=DATABASE, options=options,
                            connection_factory=psycopg2.extras.LogicalReplicationConnection)
    cur = conn.cursor()
    cur.start_replication(slot_name=SLOT, decode=False, options={
        "proto_version": "2", "publication_names": PUBLICATION, "streaming": "on",
        "messages": "true"})
    payloads = []
    deadline = time.monotonic() + CAPTURE_TIMEOUT_S
    while time.monotonic() < deadline:
        msg = cur.read_message()
        if msg is None:
            time.sleep(0.01)
            continue
        if is_end_marker(msg.payload):
            conn.close()
            return payloads
        payloads.append(bytes(msg.payload))
    conn.close()
    raise TimeoutError(f"no end marker within {CAPTURE_TIMEOUT_S} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", required=True, help="libpq connection string (no dbname)")
    parser.add_argument("cases", nargs="*", help="cases to capture (default: all)")
    args = parser.parse_args()
    os.makedirs(OUT_DIR, exist_ok=True)
    for name in args.cases or CASES:
        capture(args.dsn, name, CASES[name])


if __name__ == "__main__":
    sys.exit(main())
