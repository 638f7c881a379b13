"""What a sink is: a handful of attributes saying where platform rows go and how they become ClickHouse columns.

A :class:`Sink` names its platform model (or none, when the values come with the event), its target
:class:`~oars_platform.sinks.schema.Table` (every column declared once: name, type, the field it reads and how it
converts; the ORM read, the insert column list and the rows are derived from it), whether it holds personal data,
and how to tell that ClickHouse already has a row's current state (:class:`Freshness`). The live receiver and the
backfill command both go through these same definitions, so a row looks the same whichever path wrote it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from functools import cached_property

from oars_platform.platform.learners import Page, Source
from oars_platform.sinks.schema import Columns, Table


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

    ``compare`` names columns present in both the sink's rows and the state table; a row is unchanged when the
    newest (by ``version``) values stored for its ``key`` equal its own. Where the platform keeps a modified time
    that column alone is compared; otherwise the state columns are. The state table is the sink's own target
    unless ``state`` declares another (an append-only history whose current state a materialized view keeps).
    """

    key: str
    version: str
    compare: tuple[str, ...]
    state: Table | None = None


@dataclass(frozen=True)
class Sink:
    """Platform rows → one ClickHouse table, declared once in ``target`` (see :mod:`oars_platform.sinks.schema`)."""

    name: str
    target: Table
    #: The platform model read (``module:Model``, imported only by :mod:`oars_platform.platform.learners`); None
    #: when the event carries the values (no platform table).
    model: str | None
    freshness: Freshness | None = None
    #: Every column is personal data: written only with OARS_PII_ENABLED, and never for a retired user.
    pii: bool = False
    #: In a sink that is not ``pii``, the columns that still name the user (a username): blanked for retired users.
    personal: tuple[str, ...] = ()
    #: Offered by ``dump_data_to_clickhouse``.
    backfill: bool = True
    #: ORM filters selecting one learner's row(s): the user field and, for per-course tables, the course field.
    user_field: str = "user_id"
    course_field: str | None = "course_id"

    def __post_init__(self) -> None:
        named = [(self.target, set(self.personal))]
        if self.freshness is not None:  # compared in the rows written, and read from the state table
            key, version, compare = self.freshness.key, self.freshness.version, self.freshness.compare
            named += [(self.target, {key, *compare}), (self.state_table, {key, version, *compare})]
        for table, columns in named:
            if missing := columns - set(table.names):
                raise ValueError(f"Sink {self.name}: {table.role}.{table.name} does not declare {sorted(missing)}")

    @property
    def state_table(self) -> Table:
        """Where the change check reads the current state: ``freshness.state``, else the target itself."""
        state = self.freshness.state if self.freshness is not None else None
        return state or self.target

    @property
    def role(self) -> str:
        """The database role of the target table."""
        return self.target.role

    @property
    def table(self) -> str:
        """The target table's name."""
        return self.target.name

    @property
    def columns(self) -> tuple[str, ...]:
        """The explicit insert column list."""
        return self.target.names

    @cached_property
    def source(self) -> Source | None:
        """What the platform read returns: the model and the fields the table's columns read (``id`` first)."""
        if self.model is None:
            return None
        return Source(self.model, self.target.reads(), self.user_field, self.course_field)

    def build(self, page: Page, stamp: Stamp) -> Columns:
        """The page's rows as the table's columns (converted and filled as declared)."""
        return self.target.build(page.columns(), stamp, len(page.rows))


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
