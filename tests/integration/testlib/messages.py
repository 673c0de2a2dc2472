"""Helpers to check sluice messages (shared/spec/messages.md) as they arrive."""
import base64
import re

COMMIT_TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def idempotency_key(commit_lsn, commit_idx):
    return base64.b64encode(f"{commit_lsn}:{commit_idx}".encode()).decode()


def position(message):
    """(commit_lsn, commit_idx): the total order of changes."""
    meta = message["metadata"]
    return meta["commit_lsn"], meta["commit_idx"]


def check_envelope(message, schema, table, sink_name):
    """Asserts the fields every change message carries; returns its metadata."""
    assert set(message) >= {"record", "changes", "action", "metadata"}, message
    meta = message["metadata"]
    assert meta["table_schema"] == schema, meta
    assert meta["table_name"] == table, meta
    assert COMMIT_TS.match(meta["commit_timestamp"]), meta["commit_timestamp"]
    assert isinstance(meta["commit_lsn"], int) and meta["commit_lsn"] > 0, meta
    assert isinstance(meta["commit_idx"], int) and meta["commit_idx"] >= 0, meta
    assert meta["idempotency_key"] == idempotency_key(meta["commit_lsn"], meta["commit_idx"]), meta
    assert meta["consumer"]["name"] == sink_name, meta
    return meta


def unique_by_key(messages):
    """Drops redeliveries (same idempotency key), keeping the first arrival."""
    seen = set()
    out = []
    for m in messages:
        key = m["metadata"]["idempotency_key"]
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out


def duplicate_count(keys):
    keys = list(keys)
    return len(keys) - len(set(keys))


def first_occurrences(values):
    """[1, 2, 1, 2, 3] -> [1, 2, 3]: the order in which values first appeared."""
    seen = set()
    return [v for v in values if not (v in seen or seen.add(v))]


def walk(value):
    """Yields every dict, list and scalar nested in a JSON value (the value first)."""
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)
