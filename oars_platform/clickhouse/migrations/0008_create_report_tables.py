"""Create the report schema in ``oars``: parsed and per-domain event tables, one aggregate, their views, a back-fill.

Why it is exact under any batching (aspects-schema.md §0 rule 3):

* every event table is a ``ReplacingMergeTree`` whose sort key ends with ``event_id`` and whose other key columns
  are pure functions of the statement, so a duplicate, a retried batch or a replay lands on the same key and
  collapses; reports never wait for that merge: they count ``uniqExact(event_id)``, use duplicate-insensitive
  functions (``argMax`` over ``(emission_time, event_id)``, ``max``) or read ``FINAL``;
* no table stores a per-insert-block result. The one aggregate (``problem_learner_state``) is an
  ``AggregatingMergeTree`` of ``-State`` functions that are themselves duplicate-insensitive (``uniqExact`` of
  statement ids, ``argMin`` over a unique ordering key, ``max``), so merging any split of the input gives the same
  state as one pass over all of it;
* per-domain tables lead with ``(org, course_key)``: a report filtered by course reads one key range.

Materialized views only see new inserts, so each table is created *with* the raw table's existing rows
(``CREATE TABLE IF NOT EXISTS … AS SELECT``, which, unlike ``INSERT``, can run ``ON CLUSTER`` and is a no-op on a
re-run), and its view is created right after. Statements written to the raw table *during* the migration, between
those two statements, would be missed: run ``migrate_clickhouse`` before the pipeline (or a replay) writes, as deploys
do; replaying the affected tracking logs afterwards repairs it (duplicates collapse).

Retention: the event tables are marked ``retention="emission_time"``; their TTL is not part of this migration but
follows ``OARS_DATA_TTL_MONTHS`` on every ``migrate_clickhouse`` (``clickhouse.retention``: whole monthly
partitions expire at once).
"""

from __future__ import annotations

from dataclasses import dataclass

from oars_platform.clickhouse.ddl import CreateTable, RunSQL

RAW = "{xapi}.`xapi_events_all`"
VIDEO_EXT = "https://w3id.org/xapi/video/extensions/"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"


def _json(*path: str, kind: str = "String") -> str:
    """``JSONExtract<kind>(event, 'a', 'b', ...)``; paths are constants of this file, never input."""
    keys = ", ".join(f"'{key}'" if isinstance(key, str) else str(key) for key in path)
    return f"JSONExtract{kind}(event, {keys})"


_PARENT_TYPE = "JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type')"
_GROUPING_TYPE = "JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type')"
#: The course IRI of a statement: the course parent, else a course in grouping (multi-question children), else the
#: object itself (enrollment and pass/fail statements have the course as object and no context activities).
COURSE_IRI = (
    f"multiIf({_PARENT_TYPE} = '{COURSE_TYPE}', "
    "JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), "
    f"{_GROUPING_TYPE} = '{COURSE_TYPE}', "
    "JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), "
    "JSONExtractString(event, 'object', 'id'))"
)
ACTOR = (
    "multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', "
    "JSONExtractString(event, 'actor', 'account', 'name'), "
    "JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), "
    "JSONExtractString(event, 'actor', 'mbox_sha1sum'))"
)
#: Columns every event table starts with (aliases usable in the rest of the SELECT).
COMMON = (
    "event_id,\n    emission_time,\n"
    f"    extract({COURSE_IRI}, '((?:course|ccx)-v1:[^/?#]+)') AS course_key,\n"
    "    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,\n"
    "    JSONExtractString(event, 'verb', 'id') AS verb_id,\n"
    f"    {ACTOR} AS actor_id,\n"
    "    JSONExtractString(event, 'object', 'id') AS object_id"
)
OBJECT_TYPE = "JSONExtractString(event, 'object', 'definition', 'type')"
#: Usage key named by an object IRI (``…/xblock/<key>``, ``…/jump_to/<key>``, ``…/xblock/<key>/answer``).
USAGE_KEY = "extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)')"


@dataclass(frozen=True)
class EventTable:
    """One derived event table: its columns, key, and the SELECT (over the raw table) that fills it."""

    name: str
    columns: tuple[tuple[str, str], ...]
    order_by: str
    select: str

    @property
    def body(self) -> str:
        """The full SELECT over the raw table (``select`` holds the columns, then an optional ``WHERE``)."""
        columns, _, where = self.select.partition("\nWHERE ")
        return f"SELECT\n    {columns}\nFROM {RAW}" + (f"\nWHERE {where}" if where else "")

    def operations(self) -> list:
        """The table (filled from the raw rows already present), then its view."""
        body = self.body
        return [
            CreateTable(
                "oars", self.name, self.columns, "ReplacingMergeTree", self.order_by,
                partition_by="toYYYYMM(emission_time)", fill=body, retention="emission_time",
            ),
            RunSQL(
                f"CREATE MATERIALIZED VIEW IF NOT EXISTS {{oars}}.`{self.name}_mv`{{on_cluster}}\n"
                f"TO {{oars}}.`{self.name}`\nAS {body}"
            ),
        ]


BASE_COLUMNS = (
    ("event_id", "UUID"),
    ("emission_time", "DateTime64(6)"),
    ("course_key", "LowCardinality(String)"),
    ("org", "LowCardinality(String)"),
    ("verb_id", "LowCardinality(String)"),
    ("actor_id", "String"),
    ("object_id", "String"),
)

EVENTS_PARSED = EventTable(
    "events_parsed",
    BASE_COLUMNS,
    "(org, course_key, verb_id, emission_time, event_id)",
    COMMON,
)

ENROLLMENT = EventTable(
    "enrollment_events",
    (*BASE_COLUMNS, ("enrollment_mode", "LowCardinality(String)"), ("enrollment_status", "LowCardinality(String)")),
    "(org, course_key, actor_id, emission_time, event_id)",
    f"{COMMON},\n"
    "    JSONExtractString(event, 'object', 'definition', 'extensions', "
    "'https://w3id.org/xapi/acrossx/extensions/type') AS enrollment_mode,\n"
    "    splitByChar('/', verb_id)[-1] AS enrollment_status\n"
    "WHERE verb_id IN ('http://adlnet.gov/expapi/verbs/registered', 'http://id.tincanapi.com/verb/unregistered')",
)

_CC = f"'{VIDEO_EXT}cc-enabled'"
_SPEED = "'https://w3id.org/xapi/openedx/extension/speed-to'"
VIDEO = EventTable(
    "video_events",
    (
        *BASE_COLUMNS,
        ("video_id", "String"),
        ("event_type", "LowCardinality(String)"),
        ("position", "Float64"),
        ("seek_to", "Float64"),
        ("video_length", "Float64"),
        ("speed_to", "LowCardinality(String)"),
    ),
    "(org, course_key, video_id, actor_id, emission_time, event_id)",
    f"{COMMON},\n"
    f"    {USAGE_KEY} AS video_id,\n"
    "    multiIf(verb_id = 'https://w3id.org/xapi/video/verbs/played', 'played',\n"
    "            verb_id = 'https://w3id.org/xapi/video/verbs/paused', 'paused',\n"
    "            verb_id = 'https://w3id.org/xapi/video/verbs/seeked', 'seeked',\n"
    "            verb_id = 'http://adlnet.gov/expapi/verbs/completed', 'completed',\n"
    "            verb_id = 'http://adlnet.gov/expapi/verbs/initialized', 'loaded',\n"
    "            verb_id = 'http://adlnet.gov/expapi/verbs/terminated', 'stopped',\n"
    f"            JSONHas(event, 'result', 'extensions', {_CC}),\n"
    f"            if(JSONExtractBool(event, 'result', 'extensions', {_CC}), 'captions_shown', 'captions_hidden'),\n"
    f"            JSONHas(event, 'result', 'extensions', {_SPEED}), 'speed_changed',\n"
    "            verb_id = 'http://adlnet.gov/expapi/verbs/interacted', 'language_menu', 'other') AS event_type,\n"
    f"    if(JSONHas(event, 'result', 'extensions', '{VIDEO_EXT}time'),\n"
    f"       JSONExtractFloat(event, 'result', 'extensions', '{VIDEO_EXT}time'),\n"
    f"       JSONExtractFloat(event, 'result', 'extensions', '{VIDEO_EXT}time-from')) AS position,\n"
    f"    JSONExtractFloat(event, 'result', 'extensions', '{VIDEO_EXT}time-to') AS seek_to,\n"
    f"    JSONExtractFloat(event, 'context', 'extensions', '{VIDEO_EXT}length') AS video_length,\n"
    f"    JSONExtractString(event, 'result', 'extensions', {_SPEED}) AS speed_to\n"
    f"WHERE {OBJECT_TYPE} = 'https://w3id.org/xapi/video/activity-type/video'",
)

PROBLEM = EventTable(
    "problem_events",
    (
        *BASE_COLUMNS,
        ("problem_id", "String"),
        ("kind", "LowCardinality(String)"),
        ("success", "UInt8"),
        ("scaled_score", "Float64"),
        ("attempt", "Int32"),
        ("interaction_type", "LowCardinality(String)"),
    ),
    "(org, course_key, problem_id, actor_id, emission_time, event_id)",
    f"{COMMON},\n"
    f"    {USAGE_KEY} AS problem_id,\n"
    "    multiIf(verb_id = 'https://w3id.org/xapi/acrossx/verbs/evaluated', 'submitted',\n"
    "            verb_id = 'http://adlnet.gov/expapi/verbs/attempted', 'browser_check',\n"
    "            endsWith(object_id, '/answer'), 'answer_shown', 'hint_shown') AS kind,\n"
    "    JSONExtractBool(event, 'result', 'success') AS success,\n"
    "    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,\n"
    "    toInt32(JSONExtractInt(event, 'object', 'definition', 'extensions', "
    "'http://id.tincanapi.com/extension/attempt-id')) AS attempt,\n"
    "    JSONExtractString(event, 'object', 'definition', 'interactionType') AS interaction_type\n"
    "WHERE (verb_id IN ('https://w3id.org/xapi/acrossx/verbs/evaluated', 'http://adlnet.gov/expapi/verbs/asked')\n"
    "       OR (verb_id = 'http://adlnet.gov/expapi/verbs/attempted'\n"
    f"           AND {OBJECT_TYPE} = 'http://adlnet.gov/expapi/activities/cmi.interaction'))\n"
    "  AND NOT JSONHas(event, 'context', 'statement')\n"
    "  AND position(object_id, '@problem+block@') > 0",
)

NAVIGATION = EventTable(
    "navigation_events",
    (*BASE_COLUMNS, ("block_id", "String"), ("object_type", "LowCardinality(String)"), ("ending_point", "String")),
    "(org, course_key, block_id, actor_id, emission_time, event_id)",
    f"{COMMON},\n"
    f"    {USAGE_KEY} AS block_id,\n"
    f"    {OBJECT_TYPE} AS object_type,\n"
    "    JSONExtractString(event, 'context', 'extensions', 'http://id.tincanapi.com/extension/ending-point') "
    "AS ending_point\n"
    "WHERE verb_id = 'https://w3id.org/xapi/dod-isd/verbs/navigated'",
)

GRADING = EventTable(
    "grading_events",
    (
        *BASE_COLUMNS,
        ("is_course", "UInt8"),
        ("block_id", "String"),
        ("scaled_score", "Float64"),
        ("grade_classification", "String"),
        ("approving_state", "LowCardinality(String)"),
    ),
    "(org, course_key, actor_id, emission_time, event_id)",
    f"{COMMON},\n"
    f"    {OBJECT_TYPE} = '{COURSE_TYPE}' AS is_course,\n"
    f"    {USAGE_KEY} AS block_id,\n"
    "    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,\n"
    "    JSONExtractString(event, 'result', 'extensions', "
    "'http://www.tincanapi.co.uk/activitytypes/grade_classification') AS grade_classification,\n"
    "    multiIf(verb_id = 'http://adlnet.gov/expapi/verbs/passed', 'passed',\n"
    "            verb_id = 'http://adlnet.gov/expapi/verbs/failed', 'failed', '') AS approving_state\n"
    "WHERE verb_id = 'http://id.tincanapi.com/verb/earned'\n"
    "   OR (verb_id IN ('http://adlnet.gov/expapi/verbs/passed', 'http://adlnet.gov/expapi/verbs/failed')\n"
    f"       AND {OBJECT_TYPE} = '{COURSE_TYPE}')",
)

COMPLETION = EventTable(
    "completion_events",
    (*BASE_COLUMNS, ("block_id", "String"), ("progress", "Float64"), ("completed", "UInt8")),
    "(org, course_key, block_id, actor_id, emission_time, event_id)",
    f"{COMMON},\n"
    f"    {USAGE_KEY} AS block_id,\n"
    "    JSONExtractFloat(event, 'result', 'extensions', "
    "'https://w3id.org/xapi/cmi5/result/extensions/progress') AS progress,\n"
    "    JSONExtractBool(event, 'result', 'completion') AS completed\n"
    "WHERE verb_id = 'http://adlnet.gov/expapi/verbs/progressed'",
)

FORUM = EventTable(
    "forum_events",
    (*BASE_COLUMNS, ("thread_id", "String")),
    "(org, course_key, verb_id, emission_time, event_id)",
    f"{COMMON},\n"
    "    if(JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id') != '',\n"
    "       JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), object_id) AS thread_id\n"
    f"WHERE {OBJECT_TYPE} = 'http://id.tincanapi.com/activitytype/discussion'",
)

#: Per (problem, learner): submissions (distinct statement ids), success of the first submission (earliest by
#: time, then id), success of any submission. Every function is duplicate-insensitive, so states merge exactly.
PROBLEM_STATE_SELECT = (
    "SELECT org, course_key, problem_id, actor_id,\n"
    "    uniqExactState(event_id) AS submissions,\n"
    "    argMinState(success, (emission_time, event_id)) AS first_success,\n"
    "    maxState(success) AS ever_success,\n"
    "    minState(emission_time) AS first_time\n"
    f"FROM (\n{PROBLEM.body}\n)\n"
    "WHERE kind = 'submitted'\n"
    "GROUP BY org, course_key, problem_id, actor_id"
)

OPERATIONS = [
    *EVENTS_PARSED.operations(),
    *ENROLLMENT.operations(),
    *VIDEO.operations(),
    *PROBLEM.operations(),
    *NAVIGATION.operations(),
    *GRADING.operations(),
    *COMPLETION.operations(),
    *FORUM.operations(),
    CreateTable(
        role="oars",
        name="problem_learner_state",
        columns=(
            ("org", "LowCardinality(String)"),
            ("course_key", "LowCardinality(String)"),
            ("problem_id", "String"),
            ("actor_id", "String"),
            ("submissions", "AggregateFunction(uniqExact, UUID)"),
            ("first_success", "AggregateFunction(argMin, UInt8, Tuple(DateTime64(6), UUID))"),
            ("ever_success", "AggregateFunction(max, UInt8)"),
            ("first_time", "AggregateFunction(min, DateTime64(6))"),
        ),
        engine="AggregatingMergeTree",
        order_by="(org, course_key, problem_id, actor_id)",
        fill=PROBLEM_STATE_SELECT,
    ),
    RunSQL(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`problem_learner_state_mv`{on_cluster}\n"
        "TO {oars}.`problem_learner_state`\nAS " + PROBLEM_STATE_SELECT
    ),
]
