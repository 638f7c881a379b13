"""Enrollment reports, from ``enrollment_events`` (registered / unregistered statements).

Statements: ``edx.course.enrollment.activated`` and ``…mode_changed`` become verb *registered*,
``…deactivated`` verb *unregistered*; the mode is the object's ``acrossx/extensions/type`` extension ('' when the
platform sent none). A learner's enrollment state at an instant is their latest enrollment statement before it,
ordered by ``(emission_time, event_id)``: *registered* with its mode, or *unregistered* (not enrolled).
Statements are counted once each (``uniqExact(event_id)``), so duplicates not yet merged never count twice.
"""

from __future__ import annotations

from oars_platform.reports.base import Report, columns

ENROLLMENTS_DAILY = Report(
    name="enrollments_daily",
    title="Enrollment activity per day",
    description=(
        "Per UTC day of emission, enrollment mode and status (registered = enrolled or mode changed, unregistered = "
        "unenrolled): the number of distinct statements and of distinct learners, within [since, until)."
    ),
    scope="course",
    columns=columns(
        ("day", "Day", "date"),
        ("mode", "Mode"),
        ("status", "Status"),
        ("events", "Statements", "int"),
        ("learners", "Learners", "int"),
    ),
    sql=(
        "SELECT toDate(emission_time) AS day, toString(enrollment_mode) AS mode, toString(enrollment_status) AS "
        "status, uniqExact(event_id) AS events, uniqExact(actor_id) AS learners\n"
        "FROM {oars}.`enrollment_events`\n"
        "WHERE {course_filter} AND {time_filter}\n"
        "GROUP BY day, mode, status ORDER BY day, mode, status"
    ),
    chart={"type": "bar", "x": "day", "y": "events", "series": "status", "stacked": True},
)

ENROLLEES_CURRENT = Report(
    name="enrollees_current",
    title="Current enrollees by mode",
    description=(
        "Enrollments (course, learner pairs) whose latest enrollment statement before `until` is registered, net "
        "of later unenrollments, by that statement's mode. `since` does not apply: state is built from all history."
    ),
    scope="course",
    columns=columns(("mode", "Mode"), ("enrollees", "Enrollees", "int")),
    sql=(
        "SELECT toString(state.2) AS mode, count() AS enrollees FROM (\n"
        "    SELECT course_key, actor_id,\n"
        "        argMax((toString(enrollment_status), toString(enrollment_mode)), (emission_time, event_id)) AS state\n"
        "    FROM {oars}.`enrollment_events`\n"
        "    WHERE {course_filter} AND emission_time < {{until:DateTime64(6)}}\n"
        "    GROUP BY course_key, actor_id\n"
        ")\nWHERE state.1 = 'registered'\nGROUP BY mode ORDER BY mode"
    ),
    chart={"type": "doughnut", "x": "mode", "y": "enrollees"},
)

ENROLLMENTS_CUMULATIVE = Report(
    name="enrollments_cumulative",
    title="Cumulative enrollees by mode",
    description=(
        "For each UTC day on which some enrollment changed, and each mode: the enrollments whose state at the end "
        "of that day is registered in that mode (built from all statements before `until`; rows from `since`)."
    ),
    scope="course",
    columns=columns(("day", "Day", "date"), ("mode", "Mode"), ("enrollees", "Enrollees", "int")),
    sql=(
        "WITH daily AS (\n"
        "    SELECT course_key, actor_id, toDate(emission_time) AS day,\n"
        "        argMax((toString(enrollment_status), toString(enrollment_mode)), (emission_time, event_id)) AS st\n"
        "    FROM {oars}.`enrollment_events`\n"
        "    WHERE {course_filter} AND emission_time < {{until:DateTime64(6)}}\n"
        "    GROUP BY course_key, actor_id, day\n"
        "), changes AS (\n"
        "    SELECT day, if(st.1 = 'registered', st.2, '\\0') AS now_mode,\n"
        "        lagInFrame(if(st.1 = 'registered', st.2, '\\0'), 1, '\\0') OVER (\n"
        "            PARTITION BY course_key, actor_id ORDER BY day\n"
        "            ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS before_mode\n"
        "    FROM daily\n"
        "), deltas AS (\n"
        "    SELECT day, mode, sum(delta) AS delta FROM (\n"
        "        SELECT day, now_mode AS mode, 1 AS delta FROM changes\n"
        "        WHERE now_mode != before_mode AND now_mode != '\\0'\n"
        "        UNION ALL\n"
        "        SELECT day, before_mode AS mode, -1 AS delta FROM changes\n"
        "        WHERE now_mode != before_mode AND before_mode != '\\0'\n"
        "    ) GROUP BY day, mode\n"
        ")\n"
        "SELECT day, mode, enrollees FROM (\n"
        "    SELECT day, mode, sum(delta) OVER (PARTITION BY mode ORDER BY day ROWS UNBOUNDED PRECEDING) AS enrollees\n"
        "    FROM deltas\n"
        ") WHERE day >= toDate({{since:DateTime64(6)}}) ORDER BY day, mode"
    ),
    chart={"type": "line", "x": "day", "y": "enrollees", "series": "mode", "carry": True},
)

REPORTS = (ENROLLMENTS_DAILY, ENROLLEES_CURRENT, ENROLLMENTS_CUMULATIVE)
