"""Where a course's enrolled learners stand now, by cohort: from the platform's own records, not from statements.

The learner sinks copy the platform's current state into ``oars.learner_*`` (one ReplacingMergeTree per record,
keyed by ``(course_key, user_id)``, see migration 0007). Merges are eventual, so each subquery takes the newest
version per learner itself (``argMax(column, version)``); the figures are exact at any moment, whatever the order in
which live updates, replays and backfill reruns arrived.

Per course, the learners counted are those whose newest enrollment row is active. Each one is in the cohort of
their newest membership ('' when never cohorted). *Graded*: a course grade exists; the average is over those.
*Passing*: their newest pass/fail update (``COURSE_PASSING_STATUS_UPDATED``) says so; a learner with no update since
the plugin was installed counts as passing when their grade record has ever passed (``passed_timestamp``; the
platform never clears it). *Certified*: their newest certificate is ``downloadable``. The tables have no ``org``
column, so the report filters on the course key alone and needs one.
"""

from __future__ import annotations

from oars_platform.reports.base import Column, Report, columns

COHORT = Column("cohort", "Cohort", values=(("", "no cohort"),))

LEARNERS_BY_COHORT = Report(
    name="learners_by_cohort",
    title="Enrolled learners by cohort: grades, passing and certificates",
    description=(
        "Learners enrolled now, by cohort: how many have a course grade and their average grade, how many pass the "
        "course and how many have earned a certificate. Read from the platform's own records, so it includes "
        "learners graded before analytics were switched on; the dates do not change it."
    ),
    scope="course",
    columns=columns(
        COHORT,
        ("enrolled", "Enrolled learners", "int"),
        ("graded", "With a course grade", "int"),
        ("average_grade_pct", "Average grade", "percent"),
        ("passing", "Passing", "int"),
        ("certified", "Certificates earned", "int"),
    ),
    sql=(
        "WITH enrolled AS (\n"
        "    SELECT user_id FROM {oars}.`learner_enrollment` WHERE course_key = {{course_key:String}}\n"
        "    GROUP BY user_id HAVING argMax(is_active, version)\n"
        "), grades AS (\n"
        "    SELECT user_id, 1 AS graded, argMax(percent_grade, modified) AS grade,\n"
        "        argMax(tuple(passed_timestamp), modified).1 IS NOT NULL AS ever_passed\n"
        "    FROM {oars}.`learner_grade` WHERE course_key = {{course_key:String}} GROUP BY user_id\n"
        "), statuses AS (\n"
        "    SELECT user_id, 1 AS reported, argMax(is_passing, version) AS is_passing\n"
        "    FROM {oars}.`learner_passing` WHERE course_key = {{course_key:String}} GROUP BY user_id\n"
        "), certificates AS (\n"
        "    SELECT user_id, argMax(status, modified) AS status\n"
        "    FROM {oars}.`learner_certificate` WHERE course_key = {{course_key:String}} GROUP BY user_id\n"
        "), cohorts AS (\n"
        "    SELECT user_id, argMax(cohort_name, version) AS cohort\n"
        "    FROM {oars}.`learner_cohort` WHERE course_key = {{course_key:String}} GROUP BY user_id\n"
        ")\n"
        "SELECT c.cohort AS cohort, count() AS enrolled, sum(g.graded) AS graded,\n"
        "    100 * avgIfOrNull(g.grade, g.graded = 1) AS average_grade_pct,\n"
        "    countIf(if(s.reported = 1, s.is_passing, g.ever_passed)) AS passing,\n"
        "    countIf(r.status = 'downloadable') AS certified\n"
        "FROM enrolled AS e\n"
        "LEFT JOIN grades AS g ON g.user_id = e.user_id\n"
        "LEFT JOIN statuses AS s ON s.user_id = e.user_id\n"
        "LEFT JOIN certificates AS r ON r.user_id = e.user_id\n"
        "LEFT JOIN cohorts AS c ON c.user_id = e.user_id\n"
        "GROUP BY cohort ORDER BY cohort = '', cohort"
    ),
    chart={"type": "bar", "x": "cohort", "y": ["enrolled", "passing", "certified"]},
    requires_course=True,
)

REPORTS = (LEARNERS_BY_COHORT,)
