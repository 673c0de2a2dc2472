"""A throwaway Postgres 15 server for one benchmark run: initdb in a temporary directory,
logical replication on, loopback only. Runs as the `postgres` user when we are root (initdb
refuses root)."""
import os
import pwd
import shutil
import subprocess
import tempfile

from . import procs

PG_BIN = os.environ.get("SLUICE_PG_BIN", "/usr/lib/postgresql/15/bin")

# fsync is off because the benchmark measures the change stream, not fsync; every
# contender reads the same server, so the setting is fair to all of them.
SETTINGS = {
    "wal_level": "logical",
    "max_replication_slots": "10",
    "max_wal_senders": "10",
    "fsync": "off",
    "synchronous_commit": "on",  # off would hold WAL for up to wal_writer_delay before the walsender may ship it
    "full_page_writes": "off",
    "shared_buffers": "256MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "listen_addresses": "'127.0.0.1'",
    "track_commit_timestamp": "off",
    "wal_sender_timeout": "60s",
}


class PgServer:
    def __init__(self, workdir):
        self.port = procs.free_port()
        self.dir = tempfile.mkdtemp(prefix="pg-", dir=workdir)
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.database = "bench"
        self.started = False

    def _run_as(self, args, **kw):
        if self.as_postgres:
            args = ["runuser", "-u", "postgres", "--"] + args
        return subprocess.run(args, check=True, capture_output=True, text=True, **kw)

    def start(self):
        self._run_as([f"{PG_BIN}/initdb", "-N", "-A", "trust", "-U", "postgres", "-E", "UTF8",
                      "-D", self.data])
        conf = dict(SETTINGS, port=str(self.port), unix_socket_directories=f"'{self.dir}'")
        with open(os.path.join(self.data, "postgresql.conf"), "a") as f:
            for k, v in conf.items():
                f.write(f"{k} = {v}\n")
        self._run_as([f"{PG_BIN}/pg_ctl", "-w", "-t", "60", "-D", self.data, "-l", self.log,
                      "start"])
        self.started = True
        self.psql("CREATE DATABASE bench", database="postgres")

    def stop(self):
        if self.started:
            self._run_as([f"{PG_BIN}/pg_ctl", "-w", "-t", "60", "-D", self.data, "-m", "fast",
                          "stop"])
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def psql(self, sql, database=None, timeout=None):
        """Runs SQL with psql (unaligned, tuples only); returns stdout. Raises on error."""
        args = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", str(self.port), "-U", "postgres", "-d", database or self.database,
                "-c", sql]
        return subprocess.run(args, check=True, capture_output=True, text=True,
                              timeout=timeout).stdout.strip()

    def version(self):
        return self.psql("SHOW server_version")

    def slot_active(self, slot):
        return self.psql(f"SELECT active FROM pg_replication_slots WHERE slot_name = '{slot}'") == "t"

    def drop_slot(self, slot):
        self.psql(f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
                  f"WHERE slot_name = '{slot}' AND NOT active")
