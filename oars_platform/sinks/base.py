"""What a sink is: a handful of attributes saying where platform rows go and how they become ClickHouse columns.

A :class:`Sink` names its platform source (or none, when the values come with the event), its target table and
the explicit column list it inserts, its column-wise serializer, whether it holds personal data, and how to tell
that ClickHouse already has a row's current state (:class:`Freshness`). The live receiver and the backfill command
both go through these same definitions, so a row looks the same whichever path wrote it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from oars_platform.platform.learners import Page

#: Column-wise rows: every column of the sink, in its declared order, as equally long sequences.
Columns = dict[str, list | tuple]


@dataclass(frozen=True)
class Stamp:
    """One read of the platform: when it started (the version of rows without a modified time) and its dump id."""

    read_at: dt.datetime
    dump_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def now(cls) -> Stamp:
        """Taken *before* the SELECT it stamps, so a later stamp always reflects every commit an earlier one saw."""
        return cls(dt.datetime.now(dt.UTC))

    @property
    def text(self) -> str:
        """``time_last_dumped`` as Aspects writes it (``str(timezone.now())``), always with microseconds."""
        return self.read_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f+00:00")


@dataclass(frozen=True)
class Freshness:
    """Where ClickHouse keeps a row's current state, to skip rows it already has (checked once per page).

    ``compare`` names columns present in both the sink's rows and ``role.table``; a row is unchanged when the
    newest (by ``version``) values stored for its ``key`` equal its own. Where the platform keeps a modified time
    that column alone is compared; otherwise the state columns are.
    """

    role: str
    table: str
    key: str
    key_type: str
    version: str
    compare: tuple[str, ...]


@dataclass(frozen=True)
class Sink:
    """Platform rows → one ClickHouse table."""

    name: str
    role: str
    table: str
    columns: tuple[str, ...]
    build: Callable[[Page, Stamp], Columns]
    #: Source in :mod:`oars_platform.platform.learners`; None when the event carries the values (no platform table).
    source: str | None
    freshness: Freshness | None = None
    #: Every column is personal data: written only with OARS_PII_ENABLED, and never for a retired user.
    pii: bool = False
    #: In a sink that is not ``pii``, the columns that still name the user (a username): blanked for retired users.
    personal: tuple[str, ...] = ()
    #: Offered by ``dump_data_to_clickhouse``.
    backfill: bool = True


class SinkRegistry:
    """Sinks by name; registering a name twice is an error, never a silent override."""

    def __init__(self) -> None:
        self._sinks: dict[str, Sink] = {}

    def register(self, sink: Sink) -> Sink:
        """Add ``sink``; raise ValueError when its name is taken."""
        if sink.name in self._sinks:
            raise ValueError(f"A sink named {sink.name!r} is already registered")
        self._sinks[sink.name] = sink
        return sink

    def get(self, name: str) -> Sink:
        """The sink called ``name`` (KeyError naming the known ones otherwise)."""
        try:
            return self._sinks[name]
        except KeyError:
            raise KeyError(f"Unknown sink {name!r}; known: {', '.join(sorted(self._sinks))}") from None

    def names(self, *, backfill_only: bool = False) -> list[str]:
        """Registered names, sorted."""
        return sorted(name for name, sink in self._sinks.items() if sink.backfill or not backfill_only)
