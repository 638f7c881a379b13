"""User retirement: delete every row of personal data a user has in ClickHouse; their events stay, anonymous.

One function, :func:`retire_users`, serves the retirement task (one user, on the platform's retirement signal) and
the ``retire_users_from_clickhouse`` command (lists of users after the fact). For a batch of user ids it:

1. counts the users' personal rows in each table of :data:`PERSONAL_TABLES` (all a dry run does);
2. records the ids in ``oars.retired_users`` first, so that from then on no sink write (a learner task in flight, a
   backfill) re-adds their personal data (:mod:`oars_platform.sinks.retired`);
3. runs one mutation per table that holds any of their rows: ``ALTER TABLE ... DELETE`` in the personal-data tables
   (``event_sink.user_profile``, ``event_sink.external_id``), ``ALTER TABLE ... UPDATE username = ''`` in
   ``event_sink.course_enrollment``, whose rows are enrollment history and stay. ``ON CLUSTER`` when a cluster is
   configured; ids are a bound ``Array(Int64)`` parameter. A mutation rewrites the parts holding the rows, so the
   bytes leave the disk (a lightweight ``DELETE FROM`` only masks rows until a merge, and servers before 22.8 lack
   it); servers from 20.1 on (and the embedded engine) are also asked to answer only once every replica is done
   (``mutations_sync = 2``);
4. waits until a count finds none of the rows left (the proof on every server version; older servers run
   mutations in the background) and raises :class:`RetirementIncomplete`, for the task to retry, if some remain;
5. forgets what this process's lookup caches hold for the users (emails in the ``mbox`` actor modes; usernames as
   keys). Other worker processes forget within ``OARS_LOOKUP_CACHE_TTL``.

Events in ``xapi`` are not touched: their actor is the anonymous external id (aspects-schema.md §1.7). Nothing
derived from the personal-data tables exists in the ``oars`` database (reports show no personal data).
Rerunning is harmless: a table without rows of the users gets no mutation. One window stays open: a sink write
that checked ``oars.retired_users`` just before the id was recorded and lands after the final count; it is one
write's duration wide, and a rerun (of the command) closes it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from oars_platform.clickhouse import ClickHouseClient
from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.ddl import Topology
from oars_platform.clickhouse.sql import identifier, qualified
from oars_platform.conf import OarsConfig, get_config
from oars_platform.connection import get_client
from oars_platform.sinks import SINKS
from oars_platform.sinks.retired import RETIRED_USERS

#: The users of a statement: a bound parameter, never text (``IN`` lets the server skip other partitions).
_USERS = "user_id IN {user_ids:Array(Int64)}"

#: The first server version with ``mutations_sync``.
_MUTATIONS_SYNC_SINCE = 20


class RetirementIncomplete(Exception):
    """Some personal rows were still there when the wait ran out (a mutation still running): retry."""


@dataclass(frozen=True)
class PersonalTable:
    """A table holding users' personal data: its rows are deleted, or, with ``blank``, those columns emptied."""

    role: str
    table: str
    blank: tuple[str, ...] = ()

    def name(self, databases: Databases) -> str:
        """``database.table`` with the configured database name (unquoted, for reports)."""
        return f"{getattr(databases, self.role)}.{self.table}"

    def _where(self) -> str:
        if not self.blank:
            return _USERS
        return f"{_USERS} AND (" + " OR ".join(f"{identifier(column)} != ''" for column in self.blank) + ")"

    def count_sql(self, databases: Databases) -> str:
        """How many of the users' rows still hold personal data."""
        return f"SELECT count() FROM {qualified(getattr(databases, self.role), self.table)} WHERE {self._where()}"  # noqa: S608

    def mutation_sql(self, databases: Databases, topology: Topology, *, sync: bool) -> str:
        """The ``ALTER TABLE`` that removes the users' personal data (``sync``: wait for every replica)."""
        table = qualified(getattr(databases, self.role), self.table)
        if self.blank:
            action = "UPDATE " + ", ".join(f"{identifier(column)} = ''" for column in self.blank)
        else:
            action = "DELETE"
        settings = " SETTINGS mutations_sync = 2" if sync else ""
        return f"ALTER TABLE {table}{topology.on_cluster()} {action} WHERE {self._where()}{settings}"


def personal_tables() -> tuple[PersonalTable, ...]:
    """Every table a sink writes users' personal data to, from the sinks' own declarations (``pii``, ``personal``)."""
    tables = []
    for name in SINKS.names():
        sink = SINKS.get(name)
        if sink.pii:
            tables.append(PersonalTable(sink.role, sink.table))
        elif sink.personal:
            tables.append(PersonalTable(sink.role, sink.table, sink.personal))
    return tuple(tables)


PERSONAL_TABLES = personal_tables()


@dataclass
class RetirementReport:
    """What one call did: per table (``database.table``), the users' rows deleted or blanked (or, dry, to be)."""

    user_ids: list[int]
    rows: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    mutations: int = 0
    cache_entries_forgotten: int = 0

    @property
    def total(self) -> int:
        """Rows over every table."""
        return sum(self.rows.values())


def user_ids_from(values: Iterable[object]) -> list[int]:
    """Distinct positive user ids, in first-seen order; ValueError naming the first value that is not one."""
    ids: dict[int, None] = {}
    for value in values:
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdigit() or int(text) <= 0:
            raise ValueError(f"not a user id: {str(value)[:40]!r}")
        ids[int(text)] = None
    return list(ids)


def count_personal_rows(user_ids: list[int], *, client: ClickHouseClient, databases: Databases) -> dict[str, int]:
    """Per table, how many of these users' rows hold personal data (no change anywhere)."""
    params = {"user_ids": user_ids}
    return {
        table.name(databases): int(client.query(table.count_sql(databases), params).scalar() or 0)
        for table in PERSONAL_TABLES
    }


def _supports_mutations_sync(client: ClickHouseClient) -> bool:
    major = str(client.server_version()).split(".", 1)[0]
    return major.isdigit() and int(major) >= _MUTATIONS_SYNC_SINCE


def retire_users(
    user_ids: Iterable[int],
    *,
    dry_run: bool = False,
    wait: float = 60.0,
    client: ClickHouseClient | None = None,
    config: OarsConfig | None = None,
) -> RetirementReport:
    """Delete the personal data of these users from ClickHouse (see the module docstring); idempotent.

    Raises :class:`~oars_platform.clickhouse.ClickHouseError` when ClickHouse fails and :class:`RetirementIncomplete`
    when rows remain after ``wait`` seconds: both mean "run it again".
    """
    ids = user_ids_from(user_ids)
    report = RetirementReport(user_ids=ids, dry_run=dry_run)
    if not ids:
        return report
    config = config or get_config()
    client = client or get_client()
    databases = config.databases
    report.rows = count_personal_rows(ids, client=client, databases=databases)
    if dry_run:
        return report
    now = dt.datetime.now(dt.UTC)
    client.insert(qualified(databases.oars, RETIRED_USERS), ("user_id", "retired_at"), [(i, now) for i in ids])
    sync = _supports_mutations_sync(client)
    topology = Topology(config.cluster)
    params = {"user_ids": ids}
    for table in PERSONAL_TABLES:
        if report.rows[table.name(databases)]:
            client.execute(table.mutation_sql(databases, topology, sync=sync), params)
            report.mutations += 1
    if report.mutations:
        _wait_until_gone(ids, client=client, databases=databases, wait=wait)
    report.cache_entries_forgotten = _forget_cached(ids)
    return report


def _wait_until_gone(user_ids: list[int], *, client: ClickHouseClient, databases: Databases, wait: float) -> None:
    """Poll the counts until no personal row of the users is left; RetirementIncomplete after ``wait`` seconds."""
    deadline = time.monotonic() + wait
    pause = 0.05
    while True:
        left = {name: rows for name, rows in count_personal_rows(user_ids, client=client, databases=databases).items()
                if rows}  # fmt: skip
        if not left:
            return
        if time.monotonic() >= deadline:
            remaining = ", ".join(f"{name}: {rows}" for name, rows in sorted(left.items()))
            raise RetirementIncomplete(f"personal rows still present after {wait:.0f}s ({remaining})")
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


def _forget_cached(user_ids: list[int]) -> int:
    """Drop this process's cached lookups of the users, by id and by their current usernames."""
    from oars_platform.ingest import forget_users
    from oars_platform.platform.retirement import usernames

    return forget_users([*user_ids, *usernames(user_ids)])
