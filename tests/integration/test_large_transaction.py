"""One 2,000,000-row transaction: all of it arrives, and sluice's memory stays bounded."""
import time

import pytest

from testlib.sluice import RssSampler, make_config, webhook_sink
from testlib.waits import wait_until
from testlib.webhook import WebhookReceiver

ROWS = 2_000_000
RSS_LIMIT_KB = 300 * 1024


class IdTally:
    """Counts distinct ids 1..n in a bitmap (a set of 2M ints would cost ~100 MB here).

    add() needs no lock: the receiver calls on_message under its own lock.
    """

    def __init__(self, n):
        self.seen = bytearray(n + 1)
        self.distinct = 0
        self.duplicates = 0
        self.out_of_range = 0
        self.id_sum = 0

    def add(self, _path, message):
        row_id = message["record"]["id"]
        if not 1 <= row_id < len(self.seen):
            self.out_of_range += 1
        elif self.seen[row_id]:
            self.duplicates += 1
        else:
            self.seen[row_id] = 1
            self.distinct += 1
            self.id_sum += row_id


@pytest.mark.slow
@pytest.mark.timeout(360)
def test_two_million_row_transaction_arrives_with_bounded_memory(db, launch_sluice):
    # Tiny decoding memory so Postgres streams (or spills) the transaction in pieces.
    db.sql(f"ALTER DATABASE \"{db.name}\" SET logical_decoding_work_mem = '64kB'")
    db.sql("CREATE TABLE big (id int PRIMARY KEY, pad text)")
    tally = IdTally(ROWS)
    receiver = WebhookReceiver(keep_messages=False, on_message=tally.add)
    try:
        sluice = launch_sluice(make_config(db, [
            webhook_sink("hook", "h", ["public.big"], batch_size=1000),
        ], {"h": receiver.url("/h")}))
        db.wait_slot_active()

        with RssSampler(sluice) as rss:
            started = time.monotonic()
            db.sql(f"INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, {ROWS}) g")
            inserted = time.monotonic()
            wait_until(lambda: tally.distinct >= ROWS, 240, interval=0.5,
                       message=f"{ROWS} rows (have {tally.distinct})")
            done = time.monotonic()
            hwm_kb = sluice.proc_status("VmHWM")
        stats = db.slot_stats()
    finally:
        receiver.close()

    print(f"insert {inserted - started:.1f}s, delivered {ROWS} rows {done - started:.1f}s "
          f"after BEGIN ({ROWS / (done - started):,.0f} rows/s end to end); "
          f"peak RSS sampled {rss.peak_kb / 1024:.0f} MB, VmHWM {hwm_kb / 1024:.0f} MB; "
          f"duplicates {tally.duplicates}; slot stats {stats}")
    assert tally.out_of_range == 0
    assert tally.distinct == ROWS
    assert tally.id_sum == ROWS * (ROWS + 1) // 2
    assert rss.peak_kb < RSS_LIMIT_KB, f"sampled RSS peaked at {rss.peak_kb} kB"
    assert hwm_kb < RSS_LIMIT_KB, f"VmHWM {hwm_kb} kB"
