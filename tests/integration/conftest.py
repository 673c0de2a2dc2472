"""Fixtures shared by every integration/e2e test (also tests/integration/<service>/).

- pg:            one Postgres 15 server for the session (wal_level=logical, 127.0.0.1).
- db:            a fresh database per test, dropped with its slots afterwards.
- webhook:       an in-process webhook receiver (testlib.webhook.WebhookReceiver).
- launch_sluice: starts the real binary on a config dict; kills leftovers at teardown and
                 prints sluice's stderr when the test failed.
"""
import itertools
import os
import re

import pytest

from testlib.postgres import PgServer
from testlib.sluice import SLUICE_BIN, SluiceProcess
from testlib.webhook import WebhookReceiver

_db_counter = itertools.count(1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def _failed(request):
    report = getattr(request.node, "rep_call", None)
    return report is None or report.failed


@pytest.fixture(scope="session")
def sluice_bin():
    assert os.access(SLUICE_BIN, os.X_OK), (
        f"{SLUICE_BIN} is missing: build it (ninja -C build sluice) or set SLUICE_BIN")
    return SLUICE_BIN


@pytest.fixture(scope="session")
def pg():
    server = PgServer()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def db(pg, request):
    if not pg.running():  # a test that stops the server must not break the next one
        pg.start()
    stem = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")
    name = f"t{next(_db_counter)}_{stem}"[:45].rstrip("_")
    database = pg.create_database(name)
    yield database
    if not pg.running():
        pg.start()
    database.drop()
    if _failed(request):
        print(f"--- postgres log tail ---\n{pg.log_tail()}")


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


@pytest.fixture
def launch_sluice(sluice_bin, db, tmp_path, request):
    """launch_sluice(config, start=True, name="sluice") -> SluiceProcess.

    Depends on `db` so that sluice is killed before the database and its slot are dropped.
    """
    launched = []

    def launch(config, start=True, name="sluice", **start_args):
        process = SluiceProcess(tmp_path / name, config, binary=sluice_bin)
        launched.append(process)
        if start:
            process.start(**start_args)
        return process

    yield launch
    for process in launched:
        process.kill()
        if _failed(request):
            print(f"--- sluice stderr ({process.workdir}) ---\n{process.stderr_tail(120)}")
