"""Debian's redis-server for tests, on a free loopback port, with an append-only file fsynced
on every write so that stop() + start() is an outage that keeps the data."""
import os
import shutil
import signal
import subprocess
import tempfile

import redis

from testlib.waits import free_port, wait_until


class RedisServer:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-redis-it-")
        self.port = free_port()
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "redis.log"), "a")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "yes", "--appendfsync", "always"],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()

        def up():
            assert self.proc.poll() is None, "redis-server exited; see " + self.dir
            try:
                return self.client().ping()
            except redis.ConnectionError:
                return False
        wait_until(up, 15, interval=0.05, message="redis-server to answer")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=30)

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10)
