"""Misconfiguration fails fast with a message that says what is wrong and where."""
import re
import subprocess

import pytest

from testlib.postgres import Database, PgServer
from testlib.sluice import database_config, make_config, webhook_sink
from testlib.waits import wait_until

VALID_YAML = """\
server:
  listen: 127.0.0.1:{port}
  data_dir: {data_dir}
databases:
  - name: app
    hostname: 127.0.0.1
    port: {pg_port}
    database: {database}
    username: postgres
http_endpoints:
  - name: h
    url: http://127.0.0.1:9/h
sinks:
  - name: hook
    database: app
    destination:
      type: webhook
      http_endpoint: h
"""

# Two unknown keys; every problem must be listed, not just the first.
UNKNOWN_KEYS_YAML = VALID_YAML.replace(
    "    database: app\n", "    database: app\n    colour: blue\n").replace(
    "      http_endpoint: h\n", "      http_endpoint: h\n      bogus_key: 1\n")

BROKEN_YAML = VALID_YAML.replace("  - name: hook\n", "  - name: [hook\n")


def _write(tmp_path, text, db, pg):
    path = tmp_path / "bad.yaml"
    path.write_text(text.format(port=1, data_dir=tmp_path / "data", pg_port=pg.port,
                                database=db.name))
    return path


def _run(args, timeout=30):
    done = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=timeout)
    return done.returncode, done.stdout


def _line_col(text, needle):
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number, len(line) - len(line.lstrip()) + 1
    raise AssertionError(needle)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_unknown_keys_exit_2_with_every_location_and_key_path(command, sluice_bin, db, pg,
                                                              tmp_path):
    path = _write(tmp_path, UNKNOWN_KEYS_YAML, db, pg)
    args = ([sluice_bin, "config", "validate", str(path)] if command == "validate"
            else [sluice_bin, "run", "--config", str(path)])
    code, output = _run(args)
    assert code == 2, output
    text = path.read_text()
    for needle, key_path in (("colour:", "sinks[0].colour"),
                             ("bogus_key:", "sinks[0].destination.bogus_key")):
        line, col = _line_col(text, needle)
        assert re.search(rf"bad\.yaml:{line}:{col}\b.*{re.escape(key_path)}", output), (
            f"want bad.yaml:{line}:{col} and {key_path} on one line in:\n{output}")


@pytest.mark.parametrize("command", ["validate", "run"])
def test_yaml_syntax_error_exits_2_with_line_and_column(command, sluice_bin, db, pg, tmp_path):
    path = _write(tmp_path, BROKEN_YAML, db, pg)
    args = ([sluice_bin, "config", "validate", str(path)] if command == "validate"
            else [sluice_bin, "run", "--config", str(path)])
    code, output = _run(args)
    assert code == 2, output
    match = re.search(r"bad\.yaml:(\d+):(\d+)", output)
    assert match, output
    bad_line, _ = _line_col(path.read_text(), "[hook")
    assert bad_line <= int(match.group(1)) <= bad_line + 6, output  # parser marks vary


def test_valid_file_validates(sluice_bin, db, pg, tmp_path):
    code, output = _run([sluice_bin, "config", "validate",
                         str(_write(tmp_path, VALID_YAML, db, pg))])
    assert code == 0, output


def _wait_for_error(sluice, pattern, timeout=30):
    """Waits until sluice exits or logs `pattern`; returns the matching stderr line."""
    regex = re.compile(pattern, re.IGNORECASE)
    wait_until(lambda: not sluice.running() or regex.search(sluice.stderr_text()), timeout,
               interval=0.2, message=f"sluice to report /{pattern}/")
    if not sluice.running():
        assert sluice.proc.returncode != 0
    else:  # still retrying: it must at least say it is unhealthy
        assert sluice.health_status() != 200
    lines = [line for line in sluice.stderr_text().splitlines() if regex.search(line)]
    assert lines, f"no line matching /{pattern}/ in:\n{sluice.stderr_tail()}"
    return lines[0]


def test_wal_level_replica_is_a_one_line_fatal_error(launch_sluice):
    server = PgServer({"wal_level": "replica"})
    try:
        server.start()
        db = Database(server, "postgres")
        sluice = launch_sluice(make_config(db, [webhook_sink("hook", "h", ["public.t"])],
                                           {"h": "http://127.0.0.1:9/h"}), start=False)
        sluice.start(wait_healthy=False)
        code = sluice.wait_exit(30)
        assert code != 0
        lines = [line for line in sluice.stderr_text().splitlines()
                 if "wal_level" in line and "logical" in line]
        assert lines, f"no line telling to set wal_level=logical:\n{sluice.stderr_tail()}"
    finally:
        server.destroy()


def test_user_without_replication_gets_a_clear_error(db, launch_sluice):
    role = f"norep_{db.name}"[:60]  # roles are cluster-wide: one per test database
    db.sql(f"CREATE ROLE {role} LOGIN; CREATE PUBLICATION {db.publication} FOR ALL TABLES")
    db.sql("SELECT pg_create_logical_replication_slot(%s, 'pgoutput')", (db.slot,))
    config = make_config(db, [webhook_sink("hook", "h", ["public.t"])],
                         {"h": "http://127.0.0.1:9/h"})
    config["databases"][0] = database_config(
        db, username=role, slot={"name": db.slot, "create_if_not_exists": False},
        publication={"name": db.publication, "create_if_not_exists": False})
    sluice = launch_sluice(config, start=False)
    sluice.start(wait_healthy=False)
    line = _wait_for_error(sluice, r"replication")
    assert "superuser" in line.lower() or "norep" in line or "privilege" in line.lower(), line


def test_missing_publication_is_named_in_the_error(db, launch_sluice):
    config = make_config(db, [webhook_sink("hook", "h", ["public.t"])],
                         {"h": "http://127.0.0.1:9/h"})
    config["databases"][0]["publication"]["create_if_not_exists"] = False
    sluice = launch_sluice(config, start=False)
    sluice.start(wait_healthy=False)
    line = _wait_for_error(sluice, re.escape(db.publication))
    assert "publication" in line.lower(), line
