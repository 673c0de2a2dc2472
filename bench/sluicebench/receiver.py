"""Builds and runs bench/receiver (sluice_bench_receiver), the destination end of every
contender, and reads its per-table tallies."""
import glob
import json
import os
import subprocess
import time
import urllib.request

from . import procs

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCES = os.path.join(os.path.dirname(HERE), "receiver")
PKGS = ["cpp-httplib", "simdjson", "hiredis", "rdkafka"]


def build(build_dir):
    """Compiles the receiver with g++ when a source is newer than the binary; returns its path."""
    os.makedirs(build_dir, exist_ok=True)
    binary = os.path.join(build_dir, "sluice_bench_receiver")
    sources = sorted(glob.glob(os.path.join(SOURCES, "*.cc")))
    newest = max(os.path.getmtime(p) for p in glob.glob(os.path.join(SOURCES, "*")))
    if os.path.exists(binary) and os.path.getmtime(binary) >= newest:
        return binary
    flags = subprocess.run(["pkg-config", "--cflags", "--libs"] + PKGS, check=True,
                           capture_output=True, text=True).stdout.split()
    cmd = (["g++", "-std=c++20", "-O2", "-g", "-Wall", "-Wextra", "-Werror",
            "-Wno-unused-parameter", "-o", binary + ".tmp"] + sources + flags + ["-lpthread"])
    print("bench: building the receiver (g++, ~30 s once)", flush=True)
    subprocess.run(cmd, check=True)
    os.replace(binary + ".tmp", binary)
    return binary


class Receiver:
    """One receiver process. `args` select the mode (see bench/receiver/main.cc)."""

    def __init__(self, binary, mode, log_path, stdin=None, **args):
        self.port = procs.free_port()
        cmd = [binary, f"--mode={mode}", f"--port={self.port}"]
        cmd += [f"--{k.replace('_', '-')}={v}" for k, v in args.items()]
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(cmd, stdin=stdin, stdout=self.log, stderr=self.log)
        if not procs.wait_for_port(self.port, 10, self.proc):
            raise RuntimeError(f"receiver ({mode}) did not start; see {log_path}")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stats(self, percentiles=False):
        q = "?percentiles=1" if percentiles else ""
        with urllib.request.urlopen(f"{self.url}/stats{q}", timeout=30) as r:
            return json.load(r)

    def table(self, name, percentiles=False):
        stats = self.stats(percentiles)
        return stats["tables"].get(name, {"count": 0, "checksum": "0"}), stats

    def wait_for(self, table, count, drain_s, idle_s):
        """Waits until `count` changes of `table` arrived, or drain_s passed, or nothing new
        arrived for idle_s. Returns (count reached, True when it stopped at drain_s while
        changes were still arriving)."""
        deadline = time.monotonic() + drain_s
        last, last_change = -1, time.monotonic()
        while time.monotonic() < deadline:
            got = self.table(table)[0]["count"]
            if got >= count:
                return got, False
            if got != last:
                last, last_change = got, time.monotonic()
            elif time.monotonic() - last_change > idle_s:
                return got, False
            time.sleep(0.05)
        got = self.table(table)[0]["count"]
        if got != last:
            last_change = time.monotonic()
        # Out of time: "still arriving" unless it had already been idle for idle_s.
        return got, time.monotonic() - last_change < idle_s

    def stop(self):
        procs.stop_process(self.proc, 5)
        self.log.close()
