"""/metrics, /api/sinks/{name} and bearer-token protection of /api/."""
import re

from testlib.messages import walk
from testlib.sluice import make_config, webhook_sink
from testlib.waits import wait_for_count

METRICS = [
    "sluice_messages_ingested_total", "sluice_messages_delivered_total",
    "sluice_messages_failed_total", "sluice_messages_dead_lettered_total",
    "sluice_delivery_latency_seconds", "sluice_replication_lag_bytes",
    "sluice_backlog_messages", "sluice_backfill_rows_total",
]


def _sample(text, name, sink):
    """The value of `name{...sink...}` in Prometheus text, or None."""
    for line in text.splitlines():
        match = re.match(rf"{name}\{{([^}}]*)\}}\s+(\S+)", line)
        if match and f'"{sink}"' in match.group(1):
            return float(match.group(2))
    return None


def test_metrics_and_sink_status(db, webhook, launch_sluice):
    db.sql("CREATE TABLE t (id int PRIMARY KEY)")
    sluice = launch_sluice(make_config(db, [webhook_sink("hook", "h", ["public.t"])],
                                       {"h": webhook.url("/h")}))
    db.wait_slot_active()
    db.sql("INSERT INTO t SELECT generate_series(1, 3)")
    wait_for_count(lambda: webhook.messages("/h"), 3, 30, "messages")

    r = sluice.get("/metrics")
    assert r.status_code == 200
    assert r.headers.get("Content-Type", "").startswith("text/plain")
    missing = [name for name in METRICS if not re.search(rf"^{name}", r.text, re.MULTILINE)]
    assert not missing, f"missing metrics {missing} in:\n{r.text[:3000]}"
    assert _sample(r.text, "sluice_messages_delivered_total", "hook") >= 3, r.text[:3000]
    assert _sample(r.text, "sluice_messages_ingested_total", "hook") >= 3, r.text[:3000]
    assert _sample(r.text, "sluice_delivery_latency_seconds_count", "hook") >= 1, r.text[:3000]

    r = sluice.get("/api/sinks/hook")
    assert r.status_code == 200, r.text
    body = r.json()
    keys = {k for d in walk(body) if isinstance(d, dict) for k in d}
    statuses = [d["status"] for d in walk(body) if isinstance(d, dict) and "status" in d]
    assert statuses and statuses[0] in ("active", "paused", "failing"), body
    assert any("lag" in k for k in keys), body
    assert any("backlog" in k for k in keys), body
    assert "hook" in [d.get("name") for d in walk(body) if isinstance(d, dict)], body

    r = sluice.get("/api/sinks/nope")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_api_tokens_require_bearer(db, launch_sluice):
    config = make_config(db, [webhook_sink("hook", "h", ["public.t"])],
                         {"h": "http://127.0.0.1:9/h"}, api_tokens=["s3cret"])
    db.sql("CREATE TABLE t (id int PRIMARY KEY)")
    sluice = launch_sluice(config)
    assert sluice.get("/api/sinks", token="").status_code == 401
    assert sluice.get("/api/sinks", token="wrong").status_code == 401
    assert sluice.post("/api/http_pull_consumers/hook/receive", {"batch_size": 1},
                       token="").status_code == 401
    r = sluice.get("/api/sinks", token="s3cret")
    assert r.status_code == 200, r.text
    assert "hook" in r.text
