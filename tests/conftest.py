"""Shared test fixtures: the embedded ClickHouse engine, per-test databases, and the shared/ folder.

The embedded engine (chdb) allows one data path per process, so the whole session shares one engine in a fresh
temporary directory; each test that needs ClickHouse gets three private databases (migrated and empty: sets are
migrated once and truncated between tests) and the settings that point the plugin at them, so tests never see each
other's rows.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# The stand-in host's fixtures (modulestore, captured tracking events) for every folder: registered here, once.
pytest_plugins = ["standin.fixtures"]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ARTIFACTS = ROOT / "artifacts"

_CHDB_DIR = tempfile.mkdtemp(prefix="oars-chdb-")
CHDB_URL = f"chdb://{_CHDB_DIR}"
_counter = itertools.count(1)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's embedded-engine files."""
    shutil.rmtree(_CHDB_DIR, ignore_errors=True)


REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture(autouse=True)
def _no_pii_in_logs() -> Iterator[None]:
    """Every log record and watched process output of the test is searched for PII and passwords (tests/logcheck.py).

    A leak fails the test that caused it, at teardown, with the record and what it gave away.
    """
    from tests import logcheck

    logcheck.CAPTURE.install()
    leaks = logcheck.CAPTURE.check()  # what was logged between tests (session fixtures) is checked here too
    yield
    leaks += logcheck.CAPTURE.check()
    if leaks:
        pytest.fail(logcheck.report(leaks), pytrace=False)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """Start the log check before pytest's log capture reads the root logger's level (it restores that level)."""
    from tests import logcheck

    logcheck.CAPTURE.install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """What was logged after the last test (session fixtures' teardown) is checked too."""
    from tests import logcheck

    if not logcheck.CAPTURE.installed:
        return
    leaks = logcheck.CAPTURE.check()
    if leaks:
        session.config.get_terminal_writer().line(logcheck.report(leaks), red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session", autouse=True)
def _default_schema() -> None:
    """Migrate the default databases once, as on a site with the plugin installed.

    Tests of the stand-in platform publish courses and enroll learners; the plugin's receivers react as they would
    on a real site, and their (eager) tasks need the schema. Tests that count rows use the ``clickhouse`` fixture's
    private databases instead.
    """
    from oars_platform.clickhouse import from_url
    from oars_platform.clickhouse.databases import Databases
    from oars_platform.clickhouse.ddl import Topology
    from oars_platform.clickhouse.migrator import Migrator

    Migrator(from_url(CHDB_URL), Databases(xapi="xapi", event_sink="event_sink", oars="oars"), Topology()).migrate()


@pytest.fixture(autouse=True)
def _oars_services(settings, tmp_path_factory) -> Iterator[None]:
    """Every test starts with the embedded engine, a private Redis key prefix and a private spool directory.

    The spool directory is private so that a test never delivers the spooled files of another test (or of
    another test run on the machine) as orphans.
    """
    from oars_platform.spool import reset_spools
    from oars_platform.tasks.tracking import reset_breakers

    settings.OARS_CLICKHOUSE_URL = CHDB_URL
    settings.OARS_REDIS_URL = REDIS_URL
    settings.OARS_REDIS_KEY_PREFIX = f"oars-test-{os.getpid()}-{next(_counter)}"
    settings.OARS_SPOOL_DIR = str(tmp_path_factory.mktemp("spool"))
    # This shared 2-core machine can take longer than the production default of 50 ms to answer an XADD; only the
    # fault tests want the short timeout (and set it).
    settings.OARS_REDIS_REQUEST_TIMEOUT = 2.0
    reset_breakers()
    yield
    reset_spools()
    reset_breakers()
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{settings.OARS_REDIS_KEY_PREFIX}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def shared_dir() -> Path:
    """The specs and fixtures folder beside the project; its absence is a failure, never a skip."""
    if not SHARED.is_dir():
        pytest.fail(f"shared/ folder not found at {SHARED}: clone the project with shared/ beside it")
    return SHARED


@dataclass
class ClickHouseFixture:
    """A migrated, private set of databases on the embedded engine."""

    client: object
    databases: object
    migrator: object

    def count(self, table: str) -> int:
        """Rows in ``role.table`` (e.g. ``xapi.xapi_events_all``), merged duplicates or not."""
        role, name = table.split(".")
        database = getattr(self.databases, role)
        return int(self.client.query(f"SELECT count() FROM `{database}`.`{name}`").scalar())


#: Engines whose rows a test can leave behind; TRUNCATE empties them (and a MergeTree's insert-deduplication log).
_TRUNCATABLE = ("MergeTree", "ReplacingMergeTree", "AggregatingMergeTree", "SummingMergeTree", "Memory")


@dataclass
class _PooledDatabases:
    """A migrated set of private databases and the schema it had when fresh."""

    databases: object
    fingerprint: tuple


#: Migrated database sets ready for the next test (per test process): migrating costs ~0.6 s, emptying ~15 ms.
_POOL: list[_PooledDatabases] = []


def _schema_fingerprint(client, databases, migrator) -> tuple:
    """Every table's definition and the migration ledger: what a test may change besides rows."""
    tables = client.query(
        "SELECT database, name, create_table_query FROM system.tables "
        "WHERE database IN ({x:String}, {e:String}, {o:String}) ORDER BY database, name",
        {"x": databases.xapi, "e": databases.event_sink, "o": databases.oars},
    ).rows
    ledger = client.query(f"SELECT version, checksum FROM {migrator.ledger} FINAL ORDER BY version").rows
    return tuple(map(tuple, tables)), tuple(map(tuple, ledger))


def _empty(client, databases, migrator) -> None:
    """Remove every row a test left, keeping the schema and the migration ledger."""
    rows = client.query(
        "SELECT database, name FROM system.tables WHERE database IN ({x:String}, {e:String}, {o:String}) "
        "AND engine IN {engines:Array(String)}",
        {"x": databases.xapi, "e": databases.event_sink, "o": databases.oars, "engines": list(_TRUNCATABLE)},
    ).rows
    for database, name in rows:
        if f"`{database}`.`{name}`" != migrator.ledger:
            client.execute(f"TRUNCATE TABLE `{database}`.`{name}`")


@pytest.fixture
def clickhouse(settings) -> Iterator[ClickHouseFixture]:
    """Private xapi/event_sink/oars databases, migrated and empty, with the plugin's settings pointing at them.

    Sets are migrated once and reused: after a test its rows are truncated, unless the test changed the schema or
    the ledger (then the set is dropped and the next test gets a new one), so every test starts as if the databases
    had just been migrated.
    """
    from oars_platform.clickhouse import from_url
    from oars_platform.clickhouse.databases import Databases
    from oars_platform.clickhouse.ddl import Topology
    from oars_platform.clickhouse.migrator import Migrator

    client = from_url(CHDB_URL)
    if _POOL:
        pooled = _POOL.pop()
        migrator = Migrator(client, pooled.databases, Topology())
    else:
        prefix = f"t{os.getpid()}_{next(_counter)}"
        databases = Databases(xapi=f"{prefix}_xapi", event_sink=f"{prefix}_event_sink", oars=f"{prefix}_oars")
        migrator = Migrator(client, databases, Topology())
        migrator.migrate()
        pooled = _PooledDatabases(databases, _schema_fingerprint(client, databases, migrator))
    databases = pooled.databases
    settings.OARS_XAPI_DATABASE = databases.xapi
    settings.OARS_EVENT_SINK_DATABASE = databases.event_sink
    settings.OARS_DATABASE = databases.oars
    yield ClickHouseFixture(client=client, databases=databases, migrator=migrator)
    if _schema_fingerprint(client, databases, migrator) == pooled.fingerprint:
        _empty(client, databases, migrator)
        _POOL.append(pooled)
        return
    for database in (databases.xapi, databases.event_sink, databases.oars):
        client.execute(f"DROP DATABASE IF EXISTS `{database}`")


@pytest.fixture
def committed(django_capture_on_commit_callbacks) -> Callable:
    """Run an action and then its on-commit callbacks (our enqueued tasks), as the platform's commit would."""

    def run(action: Callable, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture(scope="session")
def clickhouse_server():
    """One real clickhouse-server process for the session, on a free loopback port (see tests/servers.py)."""
    from tests.servers import ClickHouseServer

    server = ClickHouseServer()
    server.start()
    yield server
    server.cleanup()
