"""Retired users stay retired: no sink write, live or backfill, re-adds their personal data.

Retirement (:mod:`oars_platform.retirement`) records the user's id in ``oars.retired_users`` before it deletes
the user's rows. The platform keeps the user's rows after the retirement signal (the profile, the external id, the
enrollments; usernames and emails are replaced by hashes only at the end of its pipeline), and a learner task
already in flight, or a later ``dump_data_to_clickhouse``, would otherwise write them again. So
:func:`~oars_platform.sinks.writer.write_page` asks, once per page of a sink holding personal data, which of the
page's users are retired, and :func:`scrub` drops their rows from personal-data sinks (``Sink.pii``) and blanks
their personal columns elsewhere (``Sink.personal``: the username of an enrollment, whose row itself stays).
"""

from __future__ import annotations

from collections.abc import Iterable

from oars_platform.clickhouse import ClickHouseClient
from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.sql import qualified
from oars_platform.sinks.base import Sink
from oars_platform.sinks.schema import Columns

RETIRED_USERS = "retired_users"


def holds_personal_data(sink: Sink) -> bool:
    """Whether the sink's rows name a user (so retired users must be filtered out of them)."""
    return sink.pii or bool(sink.personal)


def retired_among(client: ClickHouseClient, databases: Databases, user_ids: Iterable[int]) -> set[int]:
    """The ids among ``user_ids`` that were retired (one query over the range of the ids)."""
    ids = [int(user_id) for user_id in user_ids]
    if not ids:
        return set()
    table = qualified(databases.oars, RETIRED_USERS)
    sql = f"SELECT DISTINCT user_id FROM {table} WHERE user_id BETWEEN {{low:Int64}} AND {{high:Int64}}"  # noqa: S608
    wanted = set(ids)
    rows = client.query(sql, {"low": min(ids), "high": max(ids)}).rows
    return {int(row[0]) for row in rows if int(row[0]) in wanted}


def scrub(sink: Sink, columns: Columns, retired: set[int]) -> tuple[Columns, list[int]]:
    """``columns`` without the personal data of ``retired`` users, and the indexes of the rows kept.

    A personal-data sink (``pii``) loses their rows; another sink keeps them with the ``personal`` columns blanked.
    """
    user_ids = columns["user_id"] if holds_personal_data(sink) else ()
    every = list(range(len(next(iter(columns.values()), ()))))
    if not retired or not user_ids:
        return columns, every
    if sink.pii:
        keep = [index for index in every if int(user_ids[index]) not in retired]
        return {name: [values[index] for index in keep] for name, values in columns.items()}, keep
    blanked = dict(columns)
    for name in sink.personal:
        blanked[name] = [
            "" if int(user_id) in retired else value for user_id, value in zip(user_ids, columns[name], strict=True)
        ]
    return blanked, every
