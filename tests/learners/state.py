"""Current-state reads of the ``oars.learner_*`` tables, for the tests to check what the sinks wrote.

The tests read them per learner, as the ``learners_by_cohort`` report does per cohort: merges of a
ReplacingMergeTree are eventual, so each query picks the newest version itself
(``argMax(column, version)`` grouped by the table's key), exact at any moment, after any order of writes, replays
and backfill reruns.
"""

from __future__ import annotations

from dataclasses import dataclass

from oars_platform.clickhouse.databases import Databases
from oars_platform.clickhouse.sql import qualified


@dataclass(frozen=True)
class StateQuery:
    """A report query over one current-state table: ``{table}`` is filled in, ``{name:Type}`` stays bound."""

    name: str
    role: str
    table: str
    template: str

    def render(self, databases: Databases) -> str:
        """The SQL text for these databases (identifiers only; values stay parameters)."""
        return self.template.format(table=qualified(getattr(databases, self.role), self.table))


CURRENT_ENROLLEES = StateQuery(
    name="current_enrollees",
    role="oars",
    table="learner_enrollment",
    template=(
        "SELECT user_id, argMax(mode, version) AS mode FROM {table} "
        "WHERE course_key = {{course_key:String}} GROUP BY user_id HAVING argMax(is_active, version) ORDER BY user_id"
    ),
)

CURRENT_GRADES = StateQuery(
    name="current_grades",
    role="oars",
    table="learner_grade",
    template=(
        "SELECT user_id, argMax(percent_grade, modified) AS percent_grade, argMax(letter_grade, modified) AS "
        "letter_grade, argMax(tuple(passed_timestamp), modified).1 IS NOT NULL AS passed FROM {table} "
        "WHERE course_key = {{course_key:String}} GROUP BY user_id ORDER BY user_id"
    ),
)

PASSING_LEARNERS = StateQuery(
    name="passing_learners",
    role="oars",
    table="learner_passing",
    template=(
        "SELECT user_id FROM {table} WHERE course_key = {{course_key:String}} "
        "GROUP BY user_id HAVING argMax(is_passing, version) ORDER BY user_id"
    ),
)

CERTIFICATE_STATUSES = StateQuery(
    name="certificate_statuses",
    role="oars",
    table="learner_certificate",
    template=(
        "SELECT user_id, argMax(status, modified) AS status, argMax(mode, modified) AS mode FROM {table} "
        "WHERE course_key = {{course_key:String}} GROUP BY user_id ORDER BY user_id"
    ),
)

COHORTS = StateQuery(
    name="cohorts",
    role="oars",
    table="learner_cohort",
    template=(
        "SELECT user_id, argMax(cohort_name, version) AS cohort FROM {table} "
        "WHERE course_key = {{course_key:String}} GROUP BY user_id ORDER BY user_id"
    ),
)

QUERIES: tuple[StateQuery, ...] = (CURRENT_ENROLLEES, CURRENT_GRADES, PASSING_LEARNERS, CERTIFICATE_STATUSES, COHORTS)
