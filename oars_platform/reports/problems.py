"""Problem difficulty, from ``problem_learner_state`` (an AggregatingMergeTree fed by ``evaluated`` statements).

Statements: a server-side ``problem_check`` becomes one *evaluated* statement whose object is the problem
(``{LMS}/xblock/<usage key>``) and whose ``result.success`` says whether the whole submission was correct; multi-part
problems add child statements (``context.statement`` set), which are not counted. Browser-side checks, hints and
shown answers carry no result and are not attempts.

Per problem and learner: attempts = distinct evaluated statements (each is one submission; the platform's
``attempt-id`` extension is absent from some statement shapes and reset by staff, so we count submissions);
first-attempt correct = ``success`` of the earliest submission by ``(emission_time, event_id)``; eventually correct
= any submission succeeded. Per problem: learners who tried, min / max / mean / median (average of the two middle
values for an even count) of attempts, and the percentage of those learners correct on the first attempt and
eventually. The date range selects learners by the time of their first submission. Name and place come from the
course's current blocks (empty when the block was deleted since).
"""

from __future__ import annotations

from oars_platform.reports.base import Column, Report, columns

PROBLEM_DIFFICULTY = Report(
    name="problem_difficulty",
    title="Problem difficulty",
    description=(
        "For each problem: how many learners tried it, how many answers they submitted (fewest, most, average, "
        "median), and the share of them who were right at their first try and in the end. A learner counts in the "
        "dates of their first answer. Hints and shown answers are not answers."
    ),
    scope="course",
    columns=columns(
        Column("problem_id", "Block id", "id", dashboard=False),
        ("problem_name", "Problem"),
        ("section", "Section", "int"),
        ("subsection", "Subsection", "int"),
        ("unit", "Unit", "int"),
        ("graded", "Graded"),
        ("learners", "Learners", "int"),
        ("attempts_min", "Min attempts", "int"),
        ("attempts_max", "Max attempts", "int"),
        ("attempts_mean", "Mean attempts", "float"),
        ("attempts_median", "Median attempts", "float"),
        ("first_attempt_correct_pct", "% right at first try", "percent"),
        ("eventually_correct_pct", "% right in the end", "percent"),
    ),
    sql=(
        "WITH learners AS (\n"
        "    SELECT problem_id, actor_id, uniqExactMerge(submissions) AS attempts,\n"
        "        argMinMerge(first_success) AS first_ok, maxMerge(ever_success) AS ever_ok,\n"
        "        minMerge(first_time) AS first_time\n"
        "    FROM {oars}.`problem_learner_state`\n"
        "    WHERE {course_filter}\n"
        "    GROUP BY problem_id, actor_id\n"
        "    HAVING first_time >= {{since:DateTime64(6)}} AND first_time < {{until:DateTime64(6)}}\n"
        "), blocks AS (\n"
        "    SELECT location, display_name, section, subsection, unit, graded, course_order\n"
        "    FROM {oars}.`course_blocks_current` WHERE {course_filter}\n"
        ")\n"
        "SELECT l.problem_id AS problem_id, any(b.display_name) AS problem_name, any(b.section) AS section,\n"
        "    any(b.subsection) AS subsection, any(b.unit) AS unit, any(b.graded) AS graded,\n"
        "    count() AS learners, min(l.attempts) AS attempts_min, max(l.attempts) AS attempts_max,\n"
        "    avg(l.attempts) AS attempts_mean, quantileExactInclusive(0.5)(l.attempts) AS attempts_median,\n"
        "    100 * countIf(l.first_ok = 1) / count() AS first_attempt_correct_pct,\n"
        "    100 * countIf(l.ever_ok = 1) / count() AS eventually_correct_pct,\n"
        "    any(b.course_order) AS course_order\n"
        "FROM learners AS l LEFT JOIN blocks AS b ON b.location = l.problem_id\n"
        "GROUP BY l.problem_id\n"
        "ORDER BY course_order = 0, course_order, problem_id"
    ),
    chart={"type": "bar", "x": "problem_name", "y": ["first_attempt_correct_pct", "eventually_correct_pct"]},
)

REPORTS = (PROBLEM_DIFFICULTY,)
