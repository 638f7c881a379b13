"""The learner sinks: enrollments, profiles, external ids, grades, passing status, certificates, cohorts.

Serializers are column-wise: they receive a :class:`~oars_platform.platform.learners.Page` of plain tuples and return
one list per ClickHouse column, so a page of 50,000 enrollments costs a handful of list comprehensions rather than
50,000 dicts. Column lists are explicit and the writer inserts by name, so the order here never has to match a table
defined elsewhere.

Where each sink writes (keys and versions of the ``oars`` tables are in migration 0007):

===========================  =================================  ========================================
sink                          table                              current state / version
===========================  =================================  ========================================
``course_enrollment``         ``event_sink.course_enrollment``   history; MV → ``oars.learner_enrollment``
``user_profile`` (PII)        ``event_sink.user_profile``        latest by ``time_last_dumped`` per ``id``
``external_id`` (PII)         ``event_sink.external_id``         latest by ``time_last_dumped``
``persistent_course_grade``   ``oars.learner_grade``             ``modified`` (the platform's)
``generated_certificate``     ``oars.learner_certificate``       ``modified`` (``modified_date``)
``cohort_membership``         ``oars.learner_cohort``            read time (live only)
``course_passing_status``     ``oars.learner_passing``           event time (live only, no platform table)
===========================  =================================  ========================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from oars_platform.platform.learners import Page
from oars_platform.sinks.base import Columns, Freshness, Sink, SinkRegistry, Stamp

SINKS = SinkRegistry()


def _text(values: Iterable[Any]) -> list[str]:
    """Aspects' String columns: None becomes "", everything else its ``str`` (datetimes as ``str(datetime)``)."""
    return ["" if value is None else str(value) for value in values]


def _utc_text(values: Iterable[str | None]) -> list[str]:
    """A UTC time the database returned as text (``YYYY-MM-DD HH:MM:SS[.ffffff]``), marked as UTC like Aspects'."""
    return [f"{value}+00:00" if value else "" for value in values]


def _stamps(stamp: Stamp, count: int) -> dict[str, list[str]]:
    return {"dump_id": [stamp.dump_id] * count, "time_last_dumped": [stamp.text] * count}


def _utc_or_epoch(values: Iterable[dt.datetime | None]) -> list[dt.datetime]:
    """Non-null DateTime64 columns: a missing platform time becomes the epoch (ClickHouse's own default)."""
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return [epoch if value is None else value for value in values]


# ---- course_enrollment → event_sink.course_enrollment (Aspects' columns) -------------------------------------------

ENROLLMENT_COLUMNS = (
    "id", "course_key", "created", "is_active", "mode", "username", "user_id", "dump_id", "time_last_dumped",
)  # fmt: skip


def build_enrollment(page: Page, stamp: Stamp) -> Columns:
    """Enrollment rows; the stamp's read time becomes ``time_last_dumped``, the version of the current state."""
    cols = page.columns()
    return {
        "id": cols["id"],
        "course_key": cols["course_key"],
        "created": _utc_text(cols["created"]),
        "is_active": cols["is_active"],
        "mode": cols["mode"],
        "username": cols["username"],
        "user_id": cols["user_id"],
        **_stamps(stamp, len(page.rows)),
    }


SINKS.register(
    Sink(
        name="course_enrollment",
        role="event_sink",
        table="course_enrollment",
        columns=ENROLLMENT_COLUMNS,
        build=build_enrollment,
        source="course_enrollment",
        freshness=Freshness("oars", "learner_enrollment", "id", "Int64", "version", ("mode", "is_active")),
        personal=("username",),
    )
)

# ---- user_profile → event_sink.user_profile (PII) -------------------------------------------------------------------

PROFILE_TEXT_FIELDS = (
    "name", "username", "email", "meta", "courseware", "language", "location", "year_of_birth", "gender",
    "level_of_education", "mailing_address", "city", "country", "state", "goals", "bio", "profile_image_uploaded_at",
    "phone_number",
)  # fmt: skip
PROFILE_COLUMNS = ("id", "user_id", *PROFILE_TEXT_FIELDS, "dump_id", "time_last_dumped")


def build_profile(page: Page, stamp: Stamp) -> Columns:
    """Profile rows: every profile field is a String column in Aspects' table."""
    cols = page.columns()
    return {
        "id": cols["id"],
        "user_id": cols["user_id"],
        **{name: _text(cols[name]) for name in PROFILE_TEXT_FIELDS},
        **_stamps(stamp, len(page.rows)),
    }


SINKS.register(
    Sink(
        name="user_profile",
        role="event_sink",
        table="user_profile",
        columns=PROFILE_COLUMNS,
        build=build_profile,
        source="user_profile",
        freshness=Freshness(
            "event_sink", "user_profile", "id", "Int32", "time_last_dumped", ("user_id", *PROFILE_TEXT_FIELDS)
        ),
        pii=True,
    )
)

# ---- external_id → event_sink.external_id (PII) ---------------------------------------------------------------------

EXTERNAL_ID_COLUMNS = ("external_user_id", "external_id_type", "username", "user_id", "dump_id", "time_last_dumped")


def build_external_id(page: Page, stamp: Stamp) -> Columns:
    """External id rows (the platform's row id is not part of Aspects' table; it only pages the backfill)."""
    cols = page.columns()
    return {
        "external_user_id": cols["external_user_id"],
        "external_id_type": cols["external_id_type"],
        "username": cols["username"],
        "user_id": cols["user_id"],
        **_stamps(stamp, len(page.rows)),
    }


SINKS.register(
    Sink(
        name="external_id",
        role="event_sink",
        table="external_id",
        columns=EXTERNAL_ID_COLUMNS,
        build=build_external_id,
        source="external_id",
        freshness=Freshness(
            "event_sink",
            "external_id",
            "external_user_id",
            "UUID",
            "time_last_dumped",
            ("external_id_type", "username", "user_id"),
        ),
        pii=True,
    )
)

# ---- persistent_course_grade → oars.learner_grade --------------------------------------------------------------------

GRADE_COLUMNS = (
    "course_key", "user_id", "id", "percent_grade", "letter_grade", "passed_timestamp", "course_version",
    "grading_policy_hash", "course_edited_timestamp", "created", "modified",
)  # fmt: skip


def build_grade(page: Page, stamp: Stamp) -> Columns:
    """Grade rows, versioned by the platform's ``modified``."""
    cols = page.columns()
    return {
        "course_key": cols["course_key"],
        "user_id": cols["user_id"],
        "id": cols["id"],
        "percent_grade": cols["percent_grade"],
        "letter_grade": cols["letter_grade"],
        "passed_timestamp": cols["passed_timestamp"],
        "course_version": cols["course_version"],
        "grading_policy_hash": cols["grading_policy_hash"],
        "course_edited_timestamp": cols["course_edited_timestamp"],
        "created": _utc_or_epoch(cols["created"]),
        "modified": _utc_or_epoch(cols["modified"]),
    }


SINKS.register(
    Sink(
        name="persistent_course_grade",
        role="oars",
        table="learner_grade",
        columns=GRADE_COLUMNS,
        build=build_grade,
        source="persistent_course_grade",
        freshness=Freshness("oars", "learner_grade", "id", "Int64", "modified", ("modified",)),
    )
)

# ---- generated_certificate → oars.learner_certificate ----------------------------------------------------------------

CERTIFICATE_COLUMNS = ("course_key", "user_id", "id", "status", "mode", "grade", "download_url", "created", "modified")


def build_certificate(page: Page, stamp: Stamp) -> Columns:
    """Certificate rows without the printed name (personal data), versioned by ``modified_date``."""
    cols = page.columns()
    return {
        "course_key": cols["course_key"],
        "user_id": cols["user_id"],
        "id": cols["id"],
        "status": cols["status"],
        "mode": cols["mode"],
        "grade": cols["grade"],
        "download_url": cols["download_url"],
        "created": _utc_or_epoch(cols["created"]),
        "modified": _utc_or_epoch(cols["modified"]),
    }


SINKS.register(
    Sink(
        name="generated_certificate",
        role="oars",
        table="learner_certificate",
        columns=CERTIFICATE_COLUMNS,
        build=build_certificate,
        source="generated_certificate",
        freshness=Freshness("oars", "learner_certificate", "id", "Int64", "modified", ("modified",)),
    )
)

# ---- cohort_membership → oars.learner_cohort (live) ------------------------------------------------------------------

COHORT_COLUMNS = ("course_key", "user_id", "cohort_id", "cohort_name", "version")


def build_cohort(page: Page, stamp: Stamp) -> Columns:
    """Cohort rows; the platform keeps no modified time, so the read time is the version."""
    cols = page.columns()
    return {
        "course_key": cols["course_key"],
        "user_id": cols["user_id"],
        "cohort_id": cols["cohort_id"],
        "cohort_name": cols["cohort_name"],
        "version": [stamp.read_at] * len(page.rows),
    }


SINKS.register(
    Sink(
        name="cohort_membership",
        role="oars",
        table="learner_cohort",
        columns=COHORT_COLUMNS,
        build=build_cohort,
        source="cohort_membership",
        backfill=False,
    )
)

# ---- course_passing_status → oars.learner_passing (live, values from the event) --------------------------------------

PASSING_COLUMNS = ("course_key", "user_id", "is_passing", "version")
#: The fields of the page the live path builds from COURSE_PASSING_STATUS_UPDATED.
PASSING_FIELDS = ("course_key", "user_id", "is_passing", "time")


def build_passing(page: Page, stamp: Stamp) -> Columns:
    """Passing status rows, versioned by the event's time: a late, older event never overrides a newer one."""
    cols = page.columns()
    return {
        "course_key": cols["course_key"],
        "user_id": cols["user_id"],
        "is_passing": cols["is_passing"],
        "version": cols["time"],
    }


SINKS.register(
    Sink(
        name="course_passing_status",
        role="oars",
        table="learner_passing",
        columns=PASSING_COLUMNS,
        build=build_passing,
        source=None,
        backfill=False,
    )
)
