"""Launches the real `sluice` binary on a YAML config and talks to its HTTP API.

SluiceProcess owns one working directory (config file, data_dir, stdout/stderr logs) and at
most one running process at a time; restart() reuses the same data_dir, as an operator would.
Everything waits with a timeout. Only the test thread may call start/stop/kill; the HTTP
helpers (get/post/receive/ack) may be called from any thread.
"""
import os
import signal
import subprocess
import threading
import time

import requests
import yaml

from testlib.waits import WaitTimeout, free_port, wait_until

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SLUICE_BIN = os.environ.get("SLUICE_BIN", os.path.join(REPO_ROOT, "build", "sluice"))

FAST_RETRY = {"initial_backoff": "100ms", "max_backoff": "1s"}


def database_config(db, **overrides):
    """The `databases[0]` entry for a testlib.postgres.Database."""
    entry = {
        "name": db.name,
        "hostname": db.server.host,
        "port": db.server.port,
        "database": db.name,
        "username": "postgres",
        "slot": {"name": db.slot, "create_if_not_exists": True},
        "publication": {"name": db.publication, "create_if_not_exists": True},
        "heartbeat_interval": "1s",
    }
    entry.update(overrides)
    return entry


def webhook_sink(name, endpoint, tables, batch=True, **extra):
    """A webhook sink on `tables` (list of "schema.table") posting to http_endpoints `endpoint`."""
    sink = {
        "name": name,
        "source": {"include_tables": list(tables)},
        "batch_size": 100,
        "retry": dict(FAST_RETRY),
        "destination": {"type": "webhook", "http_endpoint": endpoint, "batch": batch,
                        "timeout": "2s"},
    }
    sink.update(extra)
    return sink


def pull_sink(name, tables, visibility_timeout="30s", **extra):
    """An http_pull sink (durable queue) on `tables`."""
    sink = {
        "name": name,
        "source": {"include_tables": list(tables)},
        "batch_size": 100,
        "retry": dict(FAST_RETRY),
        "destination": {"type": "http_pull", "visibility_timeout": visibility_timeout},
    }
    sink.update(extra)
    return sink


def make_config(db, sinks, endpoints=None, **server):
    """A whole sluice.yaml as a dict. `endpoints` maps http_endpoints names to URLs."""
    config = {
        "server": dict(server),
        "databases": [database_config(db)],
        "sinks": [dict(s, database=db.name) for s in sinks],
    }
    if endpoints:
        config["http_endpoints"] = [{"name": n, "url": u} for n, u in endpoints.items()]
    return config


class SluiceError(AssertionError):
    """sluice did not do what the harness waited for; the message carries its stderr tail."""


class SluiceProcess:
    def __init__(self, workdir, config, binary=SLUICE_BIN):
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.binary = binary
        self.config = config
        server = config.setdefault("server", {})
        server.setdefault("listen", f"127.0.0.1:{free_port()}")
        server.setdefault("data_dir", os.path.join(self.workdir, "data"))
        self.base_url = "http://" + server["listen"]
        tokens = server.get("api_tokens") or []
        self.token = tokens[0] if tokens else None
        self.config_path = os.path.join(self.workdir, "sluice.yaml")
        self.stderr_path = os.path.join(self.workdir, "stderr.log")
        self.stdout_path = os.path.join(self.workdir, "stdout.log")
        self.proc = None
        self.starts = 0
        self.write_config()

    # --- lifecycle -------------------------------------------------------------------------
    def write_config(self):
        with open(self.config_path, "w") as f:
            yaml.safe_dump(self.config, f, sort_keys=False)

    def start(self, wait_healthy=True, timeout=30):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        with open(self.stderr_path, "a") as err, open(self.stdout_path, "a") as out:
            err.write(f"===== start #{self.starts} =====\n")
            err.flush()
            self.proc = subprocess.Popen([self.binary, "run", "--config", self.config_path],
                                         stdout=out, stderr=err, cwd=self.workdir)
        if wait_healthy:
            self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout=30):
        def healthy():
            if self.proc.poll() is not None:
                raise SluiceError(f"sluice exited with {self.proc.returncode} before /health "
                                  f"was 200:\n{self.stderr_tail()}")
            return self.health_status() == 200
        try:
            wait_until(healthy, timeout, interval=0.05, message="sluice /health = 200")
        except WaitTimeout as e:
            raise SluiceError(f"{e}\n{self.stderr_tail()}") from None

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise SluiceError(f"sluice still running after {timeout}s:\n"
                              f"{self.stderr_tail()}") from None

    def stop(self, timeout=30):
        """SIGTERM, waits for the exit and returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        return self.wait_exit(timeout)

    def kill(self):
        """SIGKILL (a crash) and reap."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def restart(self, timeout=30):
        self.stop()
        return self.start(timeout=timeout)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        return self.proc.pid

    def stderr_tail(self, lines=60):
        try:
            with open(self.stderr_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def stderr_text(self):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()

    def proc_status(self, field):
        """A kB figure (VmRSS, VmHWM) from /proc/<pid>/status, or 0 once the process is gone."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    # --- HTTP ------------------------------------------------------------------------------
    def _headers(self, token):
        token = self.token if token is None else token
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path, token=None, timeout=10, **kwargs):
        return requests.get(self.base_url + path, headers=self._headers(token),
                            timeout=timeout, **kwargs)

    def post(self, path, body=None, token=None, timeout=10):
        return requests.post(self.base_url + path, json=body, headers=self._headers(token),
                             timeout=timeout)

    def health_status(self):
        """The /health status code, or None when nothing answers."""
        try:
            return requests.get(self.base_url + "/health", timeout=2).status_code
        except requests.RequestException:
            return None

    # --- HTTP pull -------------------------------------------------------------------------
    def receive(self, sink, batch_size=1000, wait_for_ms=0):
        """One receive call; returns [{"ack_id", "data"}]."""
        r = self.post(f"/api/http_pull_consumers/{sink}/receive",
                      {"batch_size": batch_size, "wait_for": wait_for_ms},
                      timeout=wait_for_ms / 1000 + 15)
        assert r.status_code == 200, f"receive {sink}: {r.status_code} {r.text[:500]}"
        return r.json()["data"]

    def ack(self, sink, ack_ids):
        if not ack_ids:
            return
        r = self.post(f"/api/http_pull_consumers/{sink}/ack", {"ack_ids": list(ack_ids)})
        assert r.status_code == 200, f"ack {sink}: {r.status_code} {r.text[:500]}"
        assert r.json().get("success") is True, r.text[:500]

    def drain(self, sink, done, timeout, batch_size=1000, transform=None):
        """Receives and acks until done(messages_so_far) is true; returns the messages.

        `transform` maps each message before it is kept (to keep big drains small).
        Raises WaitTimeout when `timeout` seconds pass first.
        """
        got = []
        deadline = time.monotonic() + timeout
        while not done(got):
            if time.monotonic() >= deadline:
                raise WaitTimeout(f"drain {sink}: {len(got)} messages after {timeout}s")
            items = self.receive(sink, batch_size=batch_size, wait_for_ms=500)
            got.extend(transform(item["data"]) if transform else item["data"] for item in items)
            self.ack(sink, [item["ack_id"] for item in items])
        return got

    def drain_count(self, sink, count, timeout, batch_size=1000):
        return self.drain(sink, lambda got: len(got) >= count, timeout, batch_size)


class RssSampler:
    """Samples a process's VmRSS every `interval` seconds on its own thread; keeps the peak."""

    def __init__(self, sluice, interval=0.1):
        self.sluice = sluice
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self):
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, self.sluice.proc_status("VmRSS"))
            self._stop.wait(self.interval)
