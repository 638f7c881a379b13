"""Grade distribution and passing learners, from ``grading_events`` (course-level statements).

Statements: ``edx.grades.course.grade_calculated`` becomes verb *earned* on the course object with
``result.score.scaled`` = the course grade (0-1); ``edx.course.grade.passed.first_time`` / ``now_passed`` become
*passed* and ``now_failed`` *failed*, on the course object. Subsection *earned* statements are not course grades.

Per learner (all statements before `until`): grade = scaled score of their latest course-level *earned* statement
by ``(emission_time, event_id)``; passing = their latest *passed*/*failed* statement is *passed*. Learners are put in
10-point buckets of their grade ('0-9%' … '90-100%', 100% in the top one) or 'no grade' when they have a pass/fail
statement but no course grade; per bucket: learners and, of them, passing learners.
"""

from __future__ import annotations

from oars_platform.reports.base import Report, columns

GRADE_DISTRIBUTION = Report(
    name="grade_distribution",
    title="Course grade distribution and passing learners",
    description=(
        "Learners by their current course grade, in steps of 10 points, and how many of them pass the course. "
        "\"no grade\" counts learners who have a pass or fail result but no course grade yet."
    ),
    scope="course",
    columns=columns(("bucket", "Course grade"), ("learners", "Learners", "int"), ("passing", "Passing", "int")),
    sql=(
        "SELECT if(has_grade, concat(toString(band * 10), '-', if(band = 9, '100', toString(band * 10 + 9)), '%'),\n"
        "          'no grade') AS bucket,\n"
        "    count() AS learners, countIf(state = 'passed') AS passing\n"
        "FROM (\n"
        "    SELECT course_key, actor_id,\n"
        "        countIf(verb_id = 'http://id.tincanapi.com/verb/earned' AND is_course) > 0 AS has_grade,\n"
        "        argMaxIf(scaled_score, (emission_time, event_id),\n"
        "                 verb_id = 'http://id.tincanapi.com/verb/earned' AND is_course) AS grade,\n"
        "        least(9, toUInt8(floor(greatest(grade, 0) * 10))) AS band,\n"
        "        argMaxIf(toString(approving_state), (emission_time, event_id), approving_state != '') AS state\n"
        "    FROM {oars}.`grading_events`\n"
        "    WHERE {course_filter} AND emission_time < {{until:DateTime64(6)}} AND is_course\n"
        "    GROUP BY course_key, actor_id\n"
        ")\n"
        "GROUP BY has_grade, band, bucket ORDER BY has_grade DESC, band"
    ),
    chart={"type": "bar", "x": "bucket", "y": ["learners", "passing"]},
)

REPORTS = (GRADE_DISTRIBUTION,)
