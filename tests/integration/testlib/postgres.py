"""A throwaway Postgres 15 server on 127.0.0.1 and per-test databases on it.

PgServer owns a data directory under /tmp (owned by the `postgres` user, since initdb and
pg_ctl refuse to run as root) and the server process; stop() ends it by its pid file through
pg_ctl. Database is one database on a server, with the slot and publication names a sluice
pointed at it should use, so that tests never share replication state.
"""
import os
import pwd
import shutil
import subprocess
import tempfile

import psycopg2

from testlib.waits import free_port, wait_until

PG_BIN = os.environ.get("SLUICE_PG_BIN", "/usr/lib/postgresql/15/bin")

# Settings every test server gets; speed over durability (the tests never crash Postgres).
BASE_SETTINGS = {
    "wal_level": "logical",
    "max_replication_slots": "20",
    "max_wal_senders": "20",
    "max_connections": "60",
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "full_page_writes": "off",
    "max_wal_size": "2GB",
    "shared_buffers": "64MB",
    "log_min_messages": "warning",
    "wal_sender_timeout": "20s",
}


def _as_postgres(cmd):
    """Prefixes `cmd` so it runs as the postgres user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


def lsn_to_int(text):
    """'16/B374D848' -> 0x16B374D848."""
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


class PgServer:
    """One Postgres cluster. Not thread-safe: the test thread drives it."""

    def __init__(self, settings=None):
        self.settings = dict(BASE_SETTINGS)
        self.settings.update(settings or {})
        self.root = tempfile.mkdtemp(prefix="sluice-pg-")
        self.data_dir = os.path.join(self.root, "data")
        self.socket_dir = os.path.join(self.root, "sock")
        self.log_file = os.path.join(self.root, "postgres.log")
        self.port = free_port()
        self.host = "127.0.0.1"
        self.user = "postgres"
        os.makedirs(self.socket_dir)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            for path in (self.root, self.socket_dir):
                os.chown(path, pw.pw_uid, pw.pw_gid)
        self._initdb()

    def _run(self, cmd, timeout=60):
        return subprocess.run(_as_postgres(cmd), check=True, timeout=timeout,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def _initdb(self):
        self._run([f"{PG_BIN}/initdb", "-N", "-D", self.data_dir, "-U", "postgres",
                   "--auth=trust", "-E", "UTF8", "--locale=C"])
        conf = os.path.join(self.data_dir, "postgresql.conf")
        lines = [f"{k} = {v}" for k, v in self.settings.items()]
        lines.append(f"port = {self.port}")
        lines.append(f"unix_socket_directories = '{self.socket_dir}'")
        # Appended as postgres so ownership stays right; later lines win over the defaults.
        subprocess.run(_as_postgres(["sh", "-c", f"cat >> {conf}"]), check=True,
                       input="\n".join(lines) + "\n", text=True, timeout=10)

    def start(self):
        self._run([f"{PG_BIN}/pg_ctl", "-w", "-t", "60", "-D", self.data_dir,
                   "-l", self.log_file, "start"], timeout=90)

    def stop(self, mode="fast"):
        if self.running():
            self._run([f"{PG_BIN}/pg_ctl", "-w", "-t", "60", "-D", self.data_dir,
                       "-m", mode, "stop"], timeout=90)

    def restart(self):
        self.stop()
        self.start()

    def running(self):
        return os.path.exists(os.path.join(self.data_dir, "postmaster.pid"))

    def destroy(self):
        self.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, lines=40):
        try:
            with open(self.log_file, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""

    def connect(self, dbname="postgres", user="postgres"):
        conn = psycopg2.connect(host=self.host, port=self.port, dbname=dbname, user=user,
                                connect_timeout=10)
        conn.autocommit = True
        return conn

    def admin_sql(self, query, params=None):
        """Runs one statement in the `postgres` database; returns rows or None."""
        return run_sql(self.connect(), query, params)

    def create_database(self, name):
        self.admin_sql(f'CREATE DATABASE "{name}"')
        return Database(self, name)


def run_sql(conn, query, params=None):
    """Runs `query` on `conn`, closes it, and returns the rows (None for commands)."""
    try:
        with conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


class Database:
    """One database on a PgServer. sql() opens a connection per call: cheap and restart-proof."""

    def __init__(self, server, name):
        self.server = server
        self.name = name
        self.slot = f"{name}_slot"
        self.publication = f"{name}_pub"

    def connect(self, user="postgres"):
        return self.server.connect(self.name, user=user)

    def sql(self, query, params=None):
        """Runs one statement (or several separated by ';') in autocommit; returns rows or None."""
        return run_sql(self.connect(), query, params)

    def scalar(self, query, params=None):
        return self.sql(query, params)[0][0]

    def current_wal_lsn(self):
        return self.scalar("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")

    def slot_state(self):
        """{active, confirmed_flush_lsn, restart_lsn} of this database's slot, or None."""
        rows = self.sql(
            "SELECT active, pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::bigint,"
            " pg_wal_lsn_diff(restart_lsn, '0/0')::bigint"
            " FROM pg_replication_slots WHERE slot_name = %s", (self.slot,))
        if not rows:
            return None
        active, confirmed, restart = rows[0]
        return {"active": active, "confirmed_flush_lsn": confirmed, "restart_lsn": restart}

    def wait_slot_active(self, timeout=30):
        """Waits until a walsender streams from this database's slot (sluice is connected)."""
        wait_until(lambda: (self.slot_state() or {}).get("active"), timeout,
                   message=f"slot {self.slot} to be active")

    def slot_stats(self):
        """pg_stat_replication_slots counters for the slot (spill/stream/total txns)."""
        rows = self.sql(
            "SELECT spill_txns, stream_txns, total_txns FROM pg_stat_replication_slots"
            " WHERE slot_name = %s", (self.slot,))
        if not rows:
            return {"spill_txns": 0, "stream_txns": 0, "total_txns": 0}
        spill, stream, total = rows[0]
        return {"spill_txns": spill, "stream_txns": stream, "total_txns": total}

    def drop(self):
        """Drops the database and every slot in it; waits for walsenders to go away."""
        admin = self.server.admin_sql

        def drop_slots():
            remaining = admin("SELECT slot_name, active_pid FROM pg_replication_slots"
                              " WHERE database = %s", (self.name,))
            for slot_name, pid in remaining:
                if pid is not None:
                    admin("SELECT pg_terminate_backend(%s)", (pid,))
                    continue
                try:
                    admin("SELECT pg_drop_replication_slot(%s)", (slot_name,))
                except psycopg2.Error:
                    pass  # became active again between the two queries; next round
            return not remaining

        wait_until(drop_slots, 30, interval=0.2, message=f"slots of {self.name} to drop")
        admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
