"""Enrollment reports, from ``enrollment_events`` (registered / unregistered statements).

Statements: ``edx.course.enrollment.activated`` and ``…mode_changed`` become verb *registered*,
``…deactivated`` verb *unregistered*; the mode is the object's ``acrossx/extensions/type`` extension ('' when the
platform sent none). A learner's enrollment state at an instant is their latest enrollment statement before it,
ordered by ``(emission_time, event_id)``: *registered* with its mode, or *unregistered* (not enrolled).
Statements are counted once each (``uniqExact(event_id)``), so duplicates not yet merged never count twice.
"""

from __future__ import annotations

from oars_platform.reports.base import Column, Report, columns

#: Enrollment modes are the platform's own names (audit, verified, ...); a statement without one says so.
MODE = Column("mode", "Enrollment mode", values=(("", "no mode recorded"),))
STATUS = Column("status", "Change", values=(("registered", "enrolled or changed mode"),
                                              ("unregistered", "unenrolled")))

ENROLLMENTS_DAILY = Report(
    name="enrollments_daily",
    title="Enrollment activity per day",
    description=(
        "Each day (UTC), by enrollment mode (audit, verified...): how many times learners enrolled or changed "
        "mode, and how many times they unenrolled, with the number of learners concerned."
    ),
    scope="course",
    columns=columns(
        ("day", "Day", "date"),
        MODE,
        STATUS,
        ("events", "Changes", "int"),
        ("learners", "Learners", "int"),
    ),
    sql=(
        "SELECT toDate(emission_time) AS day, toString(enrollment_mode) AS mode, toString(enrollment_status) AS "
        "status, uniqExact(event_id) AS events, uniqExact(actor_id) AS learners\n"
        "FROM {oars}.`enrollment_events`\n"
        "WHERE {course_filter} AND {time_filter}\n"
        "GROUP BY day, mode, status ORDER BY day, mode, status"
    ),
    chart={"type": "bar", "x": "day", "y": "events", "series": ["mode", "status"], "stacked": True},
)

ENROLLEES_CURRENT = Report(
    name="enrollees_current",
    title="Current enrollees by mode",
    description=(
        "Learners enrolled now, by enrollment mode (audit, verified...); learners who unenrolled are not counted. "
        "With a \"To\" date: those enrolled at the end of that day. The \"From\" date does not change it."
    ),
    scope="course",
    columns=columns(MODE, ("enrollees", "Enrolled learners", "int")),
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
        "How many learners were enrolled in each enrollment mode (audit, verified...) at the end of each day on "
        "which enrollments changed (UTC)."
    ),
    scope="course",
    columns=columns(("day", "Day", "date"), MODE, ("enrollees", "Enrolled learners", "int")),
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
