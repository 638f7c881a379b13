"""Column conversions and fills shared by the sink declarations (column-wise: one call per page, not per row)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from oars_platform.sinks.schema import Column

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def text(values: Iterable[Any]) -> list[str]:
    """Aspects' String columns: None becomes "", everything else its ``str`` (datetimes as ``str(datetime)``)."""
    return ["" if value is None else str(value) for value in values]


def utc_text(values: Iterable[str | None]) -> list[str]:
    """A UTC time the database returned as text (``YYYY-MM-DD HH:MM:SS[.ffffff]``), marked as UTC like Aspects'."""
    return [f"{value}+00:00" if value else "" for value in values]


def utc_or_epoch(values: Iterable[dt.datetime | None]) -> list[dt.datetime]:
    """Non-null DateTime64 columns: a missing platform time becomes the epoch (ClickHouse's own default)."""
    return [_EPOCH if value is None else value for value in values]


def ids(values: Iterable[Any]) -> list[int]:
    """Foreign keys as ids, 0 where the platform has NULL (as Aspects' CSV insert stores an empty field)."""
    return [0 if value is None else int(value) for value in values]


def _dump_id(fields: Mapping[str, Sequence[Any]], stamp: Any, count: int) -> list[str]:
    return [stamp.dump_id] * count


def _time_last_dumped(fields: Mapping[str, Sequence[Any]], stamp: Any, count: int) -> list[str]:
    return [stamp.text] * count


def read_time(fields: Mapping[str, Sequence[Any]], stamp: Any, count: int) -> list[dt.datetime]:
    """The stamp's read time: the version of rows the platform keeps no modified time for."""
    return [stamp.read_at] * count


#: Aspects' dump bookkeeping, last in every ``event_sink`` table: the dump id and its time as text (the course
#: dumps build these values with their rows; the fills serve the learner and tag pages).
DUMP_STAMP = (
    Column("dump_id", "UUID", fill=_dump_id),
    Column("time_last_dumped", "String", fill=_time_last_dumped),
)
