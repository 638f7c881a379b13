"""Video engagement, from ``video_events`` (statements whose object type is the xAPI video activity type).

Statements (xapi.md §3.2 rows 16-24): load → *initialized* (``loaded``), play → *played*, pause → *paused*,
stop → *terminated* (``stopped``), complete → *completed*, seek → *seeked* (``time-from``/``time-to``), speed change →
*interacted* with ``speed-to`` (``speed_changed``); transcript *and* closed-caption show/hide both become *interacted*
with ``cc-enabled`` true/false and cannot be told apart (``captions_shown`` / ``captions_hidden``); the language menu
pair is *interacted* with neither (``language_menu``). Positions are ``result.extensions …/time`` (``time-from`` for
seeks); there is no video name in statements, so names come from the course's current blocks.

Per video, within [since, until): statements of each type (deduplicated with ``FINAL``); unique viewers = distinct
learners with a *played* statement; completers = distinct learners with a *completed* statement; completion rate =
completers / distinct learners with a *played* or *completed* statement. Watched seconds: for each learner, the
video's statements in ``(emission_time, event_id)`` order; each *played* immediately followed by *paused*,
*seeked*, *completed* or *terminated* contributes ``end - start`` when positive (end = that statement's position,
``time-from`` for a seek). Other pairs (play then play, play then nothing) contribute nothing: their end is unknown.
"""

from __future__ import annotations

from oars_platform.reports.base import Column, Report, columns

EVENT_TYPES = (
    "loaded", "played", "paused", "seeked", "completed", "stopped",
    "captions_shown", "captions_hidden", "speed_changed", "language_menu",
)
#: What the dashboards call each type (the others read well as they are).
LABELS = {"seeked": "Moved through", "completed": "Finished", "captions_shown": "Captions on",
          "captions_hidden": "Captions off", "speed_changed": "Speed changes"}
ENDS = "('paused', 'seeked', 'completed', 'stopped')"
#: Fixed SQL fragments built from the constant EVENT_TYPES above (no input reaches them).
TYPE_COUNTS = "".join(f"        countIf(event_type = '{name}') AS {name},\n" for name in EVENT_TYPES)
TYPE_COLUMNS = "".join(f"    v.{name} AS {name},\n" for name in EVENT_TYPES)

VIDEO_ENGAGEMENT = Report(
    name="video_engagement",
    title="Video engagement",
    description=(
        "For each video: how often it was loaded, played, paused, moved through, finished (watched to the end), "
        "stopped; its captions or transcript turned on or off (the two cannot be told apart), its speed changed, "
        "its language menu used. Viewers are learners who played it; completion rate = learners who finished it, "
        "of those who played or finished it. Seconds watched add up each play until the next pause, move, stop or "
        "end."
    ),
    scope="course",
    columns=columns(
        Column("video_id", "Block id", "id", dashboard=False),
        ("video_name", "Video"),
        ("section", "Section", "int"),
        ("subsection", "Subsection", "int"),
        ("unit", "Unit", "int"),
        *((name, LABELS.get(name, name.replace("_", " ").capitalize()), "int") for name in EVENT_TYPES),
        ("unique_viewers", "Viewers", "int"),
        ("completers", "Finished by", "int"),
        ("completion_rate_pct", "Completion rate", "percent"),
        ("watched_seconds", "Seconds watched", "float"),
    ),
    sql=(
        "WITH segments AS (\n"  # noqa: S608 - constant fragments; values stay bound placeholders
        "    SELECT video_id, actor_id, event_type, position,\n"
        "        leadInFrame(toString(event_type), 1, '') OVER w AS next_type,\n"
        "        leadInFrame(position, 1, 0.) OVER w AS next_position\n"
        "    FROM {oars}.`video_events` FINAL\n"
        "    WHERE {course_filter} AND {time_filter}\n"
        "    WINDOW w AS (PARTITION BY video_id, actor_id ORDER BY emission_time, event_id\n"
        "                 ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING)\n"
        "), per_video AS (\n"
        "    SELECT video_id,\n"
        + TYPE_COUNTS
        + "        uniqExactIf(actor_id, event_type = 'played') AS unique_viewers,\n"  # noqa: S608
        "        uniqExactIf(actor_id, event_type = 'completed') AS completers,\n"
        "        uniqExactIf(actor_id, event_type IN ('played', 'completed')) AS viewers,\n"
        f"        sumIf(next_position - position, event_type = 'played' AND next_type IN {ENDS}\n"
        "              AND next_position > position) AS watched_seconds\n"
        "    FROM segments GROUP BY video_id\n"
        "), blocks AS (\n"
        "    SELECT location, display_name, section, subsection, unit, course_order\n"
        "    FROM {oars}.`course_blocks_current` WHERE {course_filter}\n"
        ")\n"
        "SELECT v.video_id AS video_id, b.display_name AS video_name, b.section AS section,\n"
        "    b.subsection AS subsection, b.unit AS unit,\n"
        + TYPE_COLUMNS
        + "    v.unique_viewers AS unique_viewers, v.completers AS completers,\n"
        "    if(v.viewers = 0, 0, 100 * v.completers / v.viewers) AS completion_rate_pct,\n"
        "    v.watched_seconds AS watched_seconds\n"
        "FROM per_video AS v LEFT JOIN blocks AS b ON b.location = v.video_id\n"
        "ORDER BY b.course_order = 0, b.course_order, video_id"
    ),
    chart={"type": "bar", "x": "video_name", "y": ["played", "paused", "completed"]},
)

REPORTS = (VIDEO_ENGAGEMENT,)
