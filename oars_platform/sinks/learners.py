"""The learner sinks: enrollments, profiles, external ids, grades, passing status, certificates, cohorts.

Each sink's table is declared once (:mod:`oars_platform.sinks.schema`): per column its ClickHouse name and type,
the platform field it reads and its conversion. Conversions are column-wise: a
:class:`~oars_platform.platform.learners.Page` of plain tuples becomes one list per ClickHouse column, so a page of
50,000 enrollments costs a handful of list comprehensions rather than 50,000 dicts. The writer inserts by column
name; ``tests/learners/test_declarations.py`` compares every declaration with ``DESCRIBE TABLE`` of the migrated
table.

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

The ``oars`` current-state tables are what the ``learners_by_cohort`` report reads
(:mod:`oars_platform.reports.learners`).
"""

from __future__ import annotations

from oars_platform.sinks.base import Freshness, Sink, SinkRegistry
from oars_platform.sinks.schema import UTC_TIME, Column, Table
from oars_platform.sinks.values import DUMP_STAMP, read_time, text, utc_or_epoch, utc_text

SINKS = SinkRegistry()


# ---- course_enrollment → event_sink.course_enrollment (Aspects' columns) -------------------------------------------

# The stamp's read time becomes ``time_last_dumped``, the version of the current state.
ENROLLMENT = Table(
    "event_sink",
    "course_enrollment",
    (
        Column("id", "Int32", read="id"),
        Column("course_key", "String", read="text:course_id"),
        Column("created", "String", read="text:created", convert=utc_text),
        Column("is_active", "Bool", read="is_active"),
        Column("mode", "LowCardinality(String)", read="mode"),
        Column("username", "String", read="user__username"),
        Column("user_id", "Int32", read="user_id"),
        *DUMP_STAMP,
    ),
)

#: The enrollments' current state, kept by a materialized view from the history above (migration 0007); the
#: change check reads it, and ``learners_by_cohort`` reports from it. Nothing inserts into it directly.
ENROLLMENT_STATE = Table(
    "oars",
    "learner_enrollment",
    (
        Column("course_key", "String"),
        Column("user_id", "Int32"),
        Column("id", "Int64"),
        Column("mode", "LowCardinality(String)"),
        Column("is_active", "Bool"),
        Column("created", UTC_TIME),
        Column("version", UTC_TIME),
    ),
)

SINKS.register(
    Sink(
        name="course_enrollment",
        target=ENROLLMENT,
        model="common.djangoapps.student.models:CourseEnrollment",
        freshness=Freshness("id", "version", ("mode", "is_active"), state=ENROLLMENT_STATE),
        personal=("username",),
    )
)

# ---- user_profile → event_sink.user_profile (PII) -------------------------------------------------------------------

#: Every profile field is a String column in Aspects' table (None as ""), read under its own name.
PROFILE_TEXT_FIELDS = (
    "name", "username", "email", "meta", "courseware", "language", "location", "year_of_birth", "gender",
    "level_of_education", "mailing_address", "city", "country", "state", "goals", "bio", "profile_image_uploaded_at",
    "phone_number",
)  # fmt: skip
_PROFILE_PATHS = {"username": "user__username", "email": "user__email"}

PROFILE = Table(
    "event_sink",
    "user_profile",
    (
        Column("id", "Int32", read="id"),
        Column("user_id", "Int32", read="user_id"),
        *(Column(name, "String", read=_PROFILE_PATHS.get(name, name), convert=text) for name in PROFILE_TEXT_FIELDS),
        *DUMP_STAMP,
    ),
)

SINKS.register(
    Sink(
        name="user_profile",
        target=PROFILE,
        model="common.djangoapps.student.models:UserProfile",
        freshness=Freshness("id", "time_last_dumped", ("user_id", *PROFILE_TEXT_FIELDS)),
        pii=True,
        course_field=None,
    )
)

# ---- external_id → event_sink.external_id (PII) ---------------------------------------------------------------------

# The platform's row id is not part of Aspects' table; it is read only to page the backfill.
EXTERNAL_ID = Table(
    "event_sink",
    "external_id",
    (
        Column("external_user_id", "UUID", read="external_user_id"),
        Column("external_id_type", "String", read="external_id_type__name"),
        Column("username", "String", read="user__username"),
        Column("user_id", "Int32", read="user_id"),
        *DUMP_STAMP,
    ),
)

SINKS.register(
    Sink(
        name="external_id",
        target=EXTERNAL_ID,
        model="openedx.core.djangoapps.external_user_ids.models:ExternalId",
        freshness=Freshness("external_user_id", "time_last_dumped", ("external_id_type", "username", "user_id")),
        pii=True,
        course_field=None,
    )
)

# ---- persistent_course_grade → oars.learner_grade (versioned by the platform's ``modified``) ------------------------

GRADE = Table(
    "oars",
    "learner_grade",
    (
        Column("course_key", "String", read="text:course_id"),
        Column("user_id", "Int32", read="user_id"),
        Column("id", "Int64", read="id"),
        Column("percent_grade", "Float64", read="percent_grade"),
        Column("letter_grade", "String", read="letter_grade"),
        Column("passed_timestamp", f"Nullable({UTC_TIME})", read="passed_timestamp"),
        Column("course_version", "String", read="course_version"),
        Column("grading_policy_hash", "String", read="grading_policy_hash"),
        Column("course_edited_timestamp", f"Nullable({UTC_TIME})", read="course_edited_timestamp"),
        Column("created", UTC_TIME, read="created", convert=utc_or_epoch),
        Column("modified", UTC_TIME, read="modified", convert=utc_or_epoch),
    ),
)

SINKS.register(
    Sink(
        name="persistent_course_grade",
        target=GRADE,
        model="lms.djangoapps.grades.models:PersistentCourseGrade",
        freshness=Freshness("id", "modified", ("modified",)),
    )
)

# ---- generated_certificate → oars.learner_certificate (versioned by ``modified_date``) -------------------------------

# Without the name printed on the certificate (personal data).
CERTIFICATE = Table(
    "oars",
    "learner_certificate",
    (
        Column("course_key", "String", read="text:course_id"),
        Column("user_id", "Int32", read="user_id"),
        Column("id", "Int64", read="id"),
        Column("status", "LowCardinality(String)", read="status"),
        Column("mode", "LowCardinality(String)", read="mode"),
        Column("grade", "String", read="grade"),
        Column("download_url", "String", read="download_url"),
        Column("created", UTC_TIME, read="created_date", convert=utc_or_epoch),
        Column("modified", UTC_TIME, read="modified_date", convert=utc_or_epoch),
    ),
)

SINKS.register(
    Sink(
        name="generated_certificate",
        target=CERTIFICATE,
        model="lms.djangoapps.certificates.models:GeneratedCertificate",
        freshness=Freshness("id", "modified", ("modified",)),
    )
)

# ---- cohort_membership → oars.learner_cohort (live) ------------------------------------------------------------------

# The platform keeps no modified time for a membership, so the read time is the version.
COHORT = Table(
    "oars",
    "learner_cohort",
    (
        Column("course_key", "String", read="text:course_id"),
        Column("user_id", "Int32", read="user_id"),
        Column("cohort_id", "Int64", read="course_user_group_id"),
        Column("cohort_name", "String", read="course_user_group__name"),
        Column("version", UTC_TIME, fill=read_time),
    ),
)

SINKS.register(
    Sink(
        name="cohort_membership",
        target=COHORT,
        model="openedx.core.djangoapps.course_groups.models:CohortMembership",
        backfill=False,
    )
)

# ---- course_passing_status → oars.learner_passing (live, values from the event) --------------------------------------

# No platform table: the live path builds a one-row page of these columns from COURSE_PASSING_STATUS_UPDATED, the
# version being the event's time, so a late, older event never overrides a newer one.
PASSING = Table(
    "oars",
    "learner_passing",
    (
        Column("course_key", "String"),
        Column("user_id", "Int32"),
        Column("is_passing", "Bool"),
        Column("version", UTC_TIME),
    ),
)

SINKS.register(Sink(name="course_passing_status", target=PASSING, model=None, backfill=False))
