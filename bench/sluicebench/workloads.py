"""The workloads: tables, server-side generators (PL/pgSQL procedures, so the client adds no
round trips), and the count and checksum every contender must deliver.

Each workload writes its own table, so the receiver's per-table tallies separate them. The
checksum is the sum over changes of ChangeChecksum(kind, id) modulo 2^64, the same function as
bench/receiver/arrival.cc; the first column of every table is the integer id it reads."""
import dataclasses
import time

import numpy as np

INSERT, UPDATE, DELETE = 1, 2, 3
MASK = (1 << 64) - 1

TABLES = {
    "bench_ping": "id bigint PRIMARY KEY, payload text",
    "bench_steady_2k": "id bigint PRIMARY KEY, payload text",
    "bench_steady_20k": "id bigint PRIMARY KEY, payload text",
    "bench_mixed": "id bigint PRIMARY KEY, version int NOT NULL, payload text",
    "bench_bulk": "id bigint PRIMARY KEY, payload text",
    "bench_bigtx": "id bigint PRIMARY KEY, payload text",
}
PUBLICATION = "bench_pub"

# 8-byte id + 92 characters: a 100-byte row.
SMALL_PAYLOAD = "repeat('x', 92)"
# Inserts ids 1..n in transactions of per_tx rows, paced to `rate` rows/s when rate > 0, and
# stops after max_seconds whatever it reached. INOUT `done` reports how many rows it wrote.
INSERT_PROC = """
CREATE PROCEDURE {table}_load(n bigint, per_tx int, rate float8, max_seconds float8,
                              INOUT done bigint DEFAULT 0)
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  k bigint;
  ahead float8;
BEGIN
  done := 0;
  WHILE done < n LOOP
    k := least(per_tx, n - done);
    IF k = 1 THEN
      INSERT INTO {table} VALUES (done + 1, {payload});
    ELSE
      INSERT INTO {table} SELECT g, {payload} FROM generate_series(done + 1, done + k) g;
    END IF;
    COMMIT;
    done := done + k;
    EXIT WHEN extract(epoch FROM clock_timestamp() - t0) > max_seconds;
    IF rate > 0 THEN
      ahead := done / rate - extract(epoch FROM clock_timestamp() - t0);
      IF ahead > 0.002 THEN PERFORM pg_sleep(ahead); END IF;
    END IF;
  END LOOP;
END $$;
"""
# Step i inserts row i (1 KB), updates row i/2 when i is even and deletes row i/4 when i is a
# multiple of 4; per_tx steps per transaction. Row j is inserted at step j, updated at 2j and
# deleted at 4j, so every statement touches exactly one existing row.
MIXED_PROC = """
CREATE PROCEDURE bench_mixed_load(n bigint, per_tx int, max_seconds float8,
                                  INOUT done bigint DEFAULT 0)
LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
BEGIN
  -- The table starts empty, so the planner may pick a sequential scan for the updates and
  -- deletes and keep it while the table grows (30x slower); the key lookups are what we mean.
  PERFORM set_config('enable_seqscan', 'off', false);
  done := 0;
  WHILE done < n LOOP
    done := done + 1;
    INSERT INTO bench_mixed VALUES (done, 0, repeat('m', 1000));
    IF done % 2 = 0 THEN
      UPDATE bench_mixed SET version = version + 1 WHERE id = done / 2;
    END IF;
    IF done % 4 = 0 THEN
      DELETE FROM bench_mixed WHERE id = done / 4;
    END IF;
    IF done % per_tx = 0 THEN
      COMMIT;
      EXIT WHEN extract(epoch FROM clock_timestamp() - t0) > max_seconds;
    END IF;
  END LOOP;
  COMMIT;
END $$;
"""


def _checksum(kind, ids):
    """Sum of splitmix64(id * 4 + kind) over ids, mod 2^64 (numpy uint64 wraps)."""
    z = ids.astype(np.uint64) * np.uint64(4) + np.uint64(kind)
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return int(z.sum(dtype=np.uint64)) & MASK


def expect_inserts(n):
    return n, _checksum(INSERT, np.arange(1, n + 1, dtype=np.uint64))


def expect_mixed(steps):
    ids = np.arange(1, steps + 1, dtype=np.uint64)
    updated = np.arange(1, steps // 2 + 1, dtype=np.uint64)
    deleted = np.arange(1, steps // 4 + 1, dtype=np.uint64)
    count = len(ids) + len(updated) + len(deleted)
    checksum = (_checksum(INSERT, ids) + _checksum(UPDATE, updated) +
                _checksum(DELETE, deleted)) & MASK
    return count, checksum


def create_schema(pg):
    # No autovacuum: it would run in the middle of some contenders' measurements only.
    statements = [f"CREATE TABLE {t} ({cols}) WITH (autovacuum_enabled = off)"
                  for t, cols in TABLES.items()]
    statements += [INSERT_PROC.format(table=t, payload=SMALL_PAYLOAD)
                   for t in TABLES if t not in ("bench_mixed", "bench_ping")]
    statements.append(MIXED_PROC)
    statements.append(f"CREATE PUBLICATION {PUBLICATION} FOR TABLE {', '.join(TABLES)}")
    for sql in statements:
        pg.psql(sql)


def reset_tables(pg):
    """Empties every table between contenders (no slot exists then, so nothing is decoded).
    No VACUUM: it would record the tables as empty, and the generators' cached plans would then
    scan bench_mixed sequentially for every update and delete (30x slower)."""
    pg.psql(f"TRUNCATE {', '.join(TABLES)}")
    pg.psql("CHECKPOINT")


@dataclasses.dataclass
class Written:
    """What a workload's generator wrote: the contender must deliver exactly this."""
    rows_or_steps: int
    count: int
    checksum: int
    seconds: float

    @property
    def rate(self):
        return self.count / self.seconds if self.seconds > 0 else 0.0


@dataclasses.dataclass
class Workload:
    name: str
    table: str
    title: str
    n: int              # rows (insert workloads) or steps (mixed)
    per_tx: int
    rate: float         # target rows/s; 0 = as fast as Postgres takes them
    max_seconds: float  # generator's own time bound
    drain_seconds: float  # how long to wait for the last arrival after the generator ends
    kind: str           # "insert" or "mixed"

    def run(self, pg):
        t0 = time.monotonic()
        timeout = self.max_seconds + 120
        if self.kind == "mixed":
            done = int(pg.psql(f"CALL bench_mixed_load({self.n}, {self.per_tx}, "
                               f"{self.max_seconds})", timeout=timeout))
            count, checksum = expect_mixed(done)
        else:
            done = int(pg.psql(f"CALL {self.table}_load({self.n}, {self.per_tx}, {self.rate}, "
                               f"{self.max_seconds})", timeout=timeout))
            count, checksum = expect_inserts(done)
        return Written(done, count, checksum, time.monotonic() - t0)


def workloads(smoke):
    """The run's workloads in order: steady streaming first, so its memory is measured before
    anything large has passed through. Smoke mode scales counts and durations down."""
    s = 0.01 if smoke else 1.0
    steady_s = 1 if smoke else 10
    mixed, bulk, big = int(200_000 * s), int(1_000_000 * s), int(2_000_000 * s)
    return [
        Workload("steady_2k", "bench_steady_2k", "steady 2,000 tx/s, 1 row each",
                 n=2000 * steady_s, per_tx=1, rate=2000, max_seconds=steady_s + 5,
                 drain_seconds=30, kind="insert"),
        Workload("steady_20k", "bench_steady_20k", "steady 20,000 tx/s, 1 row each",
                 n=20000 * steady_s, per_tx=1, rate=20000, max_seconds=steady_s + 5,
                 drain_seconds=60, kind="insert"),
        Workload("mixed", "bench_mixed",
                 f"mixed: {mixed:,} steps of insert/update/delete, 1 KB rows, 10 steps/tx",
                 n=mixed, per_tx=10, rate=0, max_seconds=60, drain_seconds=90, kind="mixed"),
        Workload("bulk", "bench_bulk", f"bulk: {bulk:,} inserts, 100 B rows, 100 rows/tx",
                 n=bulk, per_tx=100, rate=0, max_seconds=90, drain_seconds=120, kind="insert"),
        Workload("bigtx", "bench_bigtx", f"one transaction of {big:,} rows",
                 n=big, per_tx=big, rate=0, max_seconds=120, drain_seconds=180, kind="insert"),
    ]
