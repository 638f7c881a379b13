"""Learner rows of the platform (enrollments, profiles, external ids, grades, certificates, cohorts) as plain tuples.

Backfills read whole tables and live updates read one learner's row, through the same :class:`Source`, which each
sink derives from its table declaration (``oars_platform.sinks``: the model, and the field each column reads), so
both produce tuples of the same shape for the same row building. Reads use ``values_list`` (no model instances:
several times faster, and nothing lazy escapes this module) and keyset pagination (``pk > last ORDER BY pk LIMIT
n``), which costs the same on the last page as on the first and never holds a whole table. Course ids are read as
text (a SQL ``CAST``) rather than through the platform's ``CourseKeyField``, whose parsing of every key would cost
more than the rest of the row; times that end up as text in ClickHouse are cast the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, F
from django.db.models.functions import Cast


@dataclass(frozen=True)
class Source:
    """One platform read: the model (imported only when read) and the values read, by output name (``id`` first)."""

    model: str
    #: ``(output name, ORM path)``; ``"text:<field>"`` reads the column as text in SQL (a course key without parsing
    #: it, a UTC time without building a datetime), for columns that are text in ClickHouse anyway.
    fields: tuple[tuple[str, str], ...]
    #: ORM filters selecting one learner's row(s): the user field and, for per-course tables, the course field.
    user_field: str = "user_id"
    course_field: str | None = "course_id"

    @property
    def names(self) -> tuple[str, ...]:
        """Output names, in the order of each row's values."""
        return tuple(name for name, _ in self.fields)


@dataclass(frozen=True)
class Page:
    """Rows read from one source: tuples in ``fields`` order, ascending primary key (``id`` is the first field)."""

    fields: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def columns(self) -> dict[str, tuple[Any, ...]]:
        """The rows transposed: one tuple of values per field (empty tuples when there is no row)."""
        if not self.rows:
            return {name: () for name in self.fields}
        return dict(zip(self.fields, zip(*self.rows, strict=True), strict=True))

    @property
    def last_pk(self) -> int | None:
        """The highest primary key of the page (None when empty)."""
        return self.rows[-1][0] if self.rows else None


def _model(source: Source) -> Any:
    module, name = source.model.split(":")
    return getattr(importlib.import_module(module), name)


def _values(source: Source, queryset: Any) -> Any:
    """``values_list`` of the source's fields; course keys come back as text, never parsed."""
    annotations = {
        f"_oars_{name}": Cast(F(path.removeprefix("text:")), output_field=CharField())
        for name, path in source.fields
        if path.startswith("text:")
    }
    paths = [f"_oars_{name}" if path.startswith("text:") else path for name, path in source.fields]
    return queryset.annotate(**annotations).values_list(*paths) if annotations else queryset.values_list(*paths)


def fetch_page(
    source: Source, after_pk: int, limit: int, ids: Sequence[int] | None = None, skip: Sequence[int] = ()
) -> Page:
    """Up to ``limit`` rows with ``pk > after_pk`` in key order (only ``ids`` when given, never ``skip``)."""
    queryset = _model(source).objects.filter(pk__gt=after_pk)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    if skip:
        queryset = queryset.exclude(pk__in=list(skip))
    rows = list(_values(source, queryset.order_by("pk"))[:limit])
    return Page(source.names, rows)


def count_after(source: Source, after_pk: int, ids: Sequence[int] | None = None, skip: Sequence[int] = ()) -> int:
    """How many rows a backfill from ``after_pk`` will read (for the progress bar's total)."""
    queryset = _model(source).objects.filter(pk__gt=after_pk)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    if skip:
        queryset = queryset.exclude(pk__in=list(skip))
    return queryset.count()


def fetch_learner(source: Source, user_id: int, course_key: str | None) -> Page:
    """The learner's current row(s) in this source: for one course, or all of the user's for per-user tables."""
    from opaque_keys.edx.keys import CourseKey

    filters: dict[str, Any] = {source.user_field: user_id}
    if source.course_field is not None:
        if course_key is None:
            return Page(source.names, [])
        filters[source.course_field] = CourseKey.from_string(course_key)
    return Page(source.names, list(_values(source, _model(source).objects.filter(**filters).order_by("pk"))))
