"""Learner rows of the platform (enrollments, profiles, external ids, grades, certificates, cohorts) as plain tuples.

Backfills read whole tables and live updates read one learner's row, through the same :class:`Source` declarations,
so both produce tuples of the same shape for the same serializer. Reads use ``values_list`` (no model instances:
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
    """One platform table: the model (imported only when read) and the values read, by output name."""

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


SOURCES: dict[str, Source] = {
    "course_enrollment": Source(
        model="common.djangoapps.student.models:CourseEnrollment",
        fields=(
            ("id", "id"),
            ("course_key", "text:course_id"),
            ("created", "text:created"),
            ("is_active", "is_active"),
            ("mode", "mode"),
            ("username", "user__username"),
            ("user_id", "user_id"),
        ),
    ),
    "user_profile": Source(
        model="common.djangoapps.student.models:UserProfile",
        fields=(
            ("id", "id"),
            ("user_id", "user_id"),
            ("name", "name"),
            ("username", "user__username"),
            ("email", "user__email"),
            ("meta", "meta"),
            ("courseware", "courseware"),
            ("language", "language"),
            ("location", "location"),
            ("year_of_birth", "year_of_birth"),
            ("gender", "gender"),
            ("level_of_education", "level_of_education"),
            ("mailing_address", "mailing_address"),
            ("city", "city"),
            ("country", "country"),
            ("state", "state"),
            ("goals", "goals"),
            ("bio", "bio"),
            ("profile_image_uploaded_at", "profile_image_uploaded_at"),
            ("phone_number", "phone_number"),
        ),
        course_field=None,
    ),
    "external_id": Source(
        model="openedx.core.djangoapps.external_user_ids.models:ExternalId",
        fields=(
            ("id", "id"),
            ("external_user_id", "external_user_id"),
            ("external_id_type", "external_id_type__name"),
            ("username", "user__username"),
            ("user_id", "user_id"),
        ),
        course_field=None,
    ),
    "persistent_course_grade": Source(
        model="lms.djangoapps.grades.models:PersistentCourseGrade",
        fields=(
            ("id", "id"),
            ("course_key", "text:course_id"),
            ("user_id", "user_id"),
            ("percent_grade", "percent_grade"),
            ("letter_grade", "letter_grade"),
            ("passed_timestamp", "passed_timestamp"),
            ("course_version", "course_version"),
            ("grading_policy_hash", "grading_policy_hash"),
            ("course_edited_timestamp", "course_edited_timestamp"),
            ("created", "created"),
            ("modified", "modified"),
        ),
    ),
    "generated_certificate": Source(
        model="lms.djangoapps.certificates.models:GeneratedCertificate",
        fields=(
            ("id", "id"),
            ("course_key", "text:course_id"),
            ("user_id", "user_id"),
            ("status", "status"),
            ("mode", "mode"),
            ("grade", "grade"),
            ("download_url", "download_url"),
            ("created", "created_date"),
            ("modified", "modified_date"),
        ),
    ),
    "cohort_membership": Source(
        model="openedx.core.djangoapps.course_groups.models:CohortMembership",
        fields=(
            ("id", "id"),
            ("course_key", "text:course_id"),
            ("user_id", "user_id"),
            ("cohort_id", "course_user_group_id"),
            ("cohort_name", "course_user_group__name"),
        ),
    ),
    # Content tagging (openedx-core's ``oel_tagging`` tables), read whole by the backfill and by id by the receivers.
    "tag": Source(
        model="openedx_tagging.models:Tag",
        fields=(
            ("id", "id"),
            ("taxonomy", "taxonomy_id"),
            ("parent", "parent_id"),
            ("value", "value"),
            ("external_id", "external_id"),
            ("lineage", "lineage"),
        ),
        course_field=None,
    ),
    "taxonomy": Source(
        model="openedx_tagging.models:Taxonomy", fields=(("id", "id"), ("name", "name")), course_field=None
    ),
    "object_tag": Source(
        model="openedx_tagging.models:ObjectTag",
        fields=(
            ("id", "id"),
            ("object_id", "object_id"),
            ("taxonomy", "taxonomy_id"),
            ("tag", "tag_id"),
            ("_value", "_value"),
            ("_export_id", "_export_id"),
            ("tag_lineage", "tag__lineage"),
        ),
        course_field=None,
    ),
}


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


def fetch_page(source_name: str, after_pk: int, limit: int, ids: Sequence[int] | None = None,
               skip: Sequence[int] = ()) -> Page:
    """Up to ``limit`` rows with ``pk > after_pk`` in key order (only ``ids`` when given, never ``skip``)."""
    source = SOURCES[source_name]
    queryset = _model(source).objects.filter(pk__gt=after_pk)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    if skip:
        queryset = queryset.exclude(pk__in=list(skip))
    rows = list(_values(source, queryset.order_by("pk"))[:limit])
    return Page(source.names, rows)


def count_after(source_name: str, after_pk: int, ids: Sequence[int] | None = None, skip: Sequence[int] = ()) -> int:
    """How many rows a backfill from ``after_pk`` will read (for the progress bar's total)."""
    queryset = _model(SOURCES[source_name]).objects.filter(pk__gt=after_pk)
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    if skip:
        queryset = queryset.exclude(pk__in=list(skip))
    return queryset.count()


def fetch_learner(source_name: str, user_id: int, course_key: str | None) -> Page:
    """The learner's current row(s) in this source: for one course, or all of the user's for per-user tables."""
    from opaque_keys.edx.keys import CourseKey

    source = SOURCES[source_name]
    filters: dict[str, Any] = {source.user_field: user_id}
    if source.course_field is not None:
        if course_key is None:
            return Page(source.names, [])
        filters[source.course_field] = CourseKey.from_string(course_key)
    return Page(source.names, list(_values(source, _model(source).objects.filter(**filters).order_by("pk"))))
