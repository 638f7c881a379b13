"""Feed the report tables through one parse of the common statement fields instead of one per view.

Why: 0008 gave every report table its own materialized view over ``xapi.xapi_events_all``, and each view
re-extracted the fields every table starts with (course IRI, actor, verb, object, object type: about ten
``JSONExtract*`` calls, each a full parse of the statement). A replay spent a large share of its engine time
there. Now one view (``statement_fields_mv``) extracts those fields once into ``oars.statement_fields``, a ``Null``
table (it stores nothing: it only hands each insert block on to its own views), and the per-table views read the
extracted columns from it. Fields only one table needs stay in that table's view, which evaluates them after its
``WHERE``, so for the few rows it keeps.

Identical results: the expressions are 0008's own (the common ones moved, the others unchanged), so every
statement, odd ones included (missing fields, wrong types, objects where arrays belong), yields the same row as
before; ``tests/reports/test_parse_once.py`` compares both definitions over a corpus. The SQL is spelled out here,
as it was first rendered, rather than derived from 0008's code: history does not change when other code does. The report tables and their
data are untouched; only the views change.

No gap: the new views are created first (idle: nothing feeds ``statement_fields`` yet), then the one feeding it,
then 0008's views are dropped. Between the last two steps an insert reaches a table through both paths; the rows
are identical and collapse like any duplicate (every report table is duplicate-insensitive, see 0008). Dropping
and re-creating is used rather than ``ALTER TABLE … MODIFY QUERY`` because the source table changes too and the
views are new objects on every node; every statement is ``IF [NOT] EXISTS``, so a re-run is a no-op.
"""

from oars_platform.clickhouse.ddl import RunSQL

OPERATIONS = [
    RunSQL(
        """CREATE TABLE IF NOT EXISTS {oars}.`statement_fields`{on_cluster}
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `event` String,
    `course_key` String,
    `org` String,
    `verb_id` String,
    `actor_id` String,
    `object_id` String,
    `object_type` String
)
ENGINE = Null"""
    ),
    RunSQL(
        """CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`events_parsed_fields_mv`{on_cluster}
TO {oars}.`events_parsed`
AS SELECT
    event_id,
    emission_time,
    course_key,
    org,
    verb_id,
    actor_id,
    object_id
FROM {oars}.`statement_fields`"""
    ),
    RunSQL(
        """CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`enrollment_events_fields_mv`{on_cluster}
TO {oars}.`enrollment_events`
AS SELECT
    event_id,
    emission_time,
    course_key,
    org,
    verb_id,
    actor_id,
    object_id,
    JSONExtractString(event, 'object', 'definition', 'extensions', 'https://w3id.org/xapi/acrossx/extensions/type') AS enrollment_mode,
    splitByChar('/', verb_id)[-1] AS enrollment_status
FROM {oars}.`statement_fields`
WHERE verb_id IN ('http://adlnet.gov/expapi/verbs/registered', 'http://id.tincanapi.com/verb/unregistered')"""
    ),
    RunSQL(
        """CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`video_events_fields_mv`{on_cluster}
TO {oars}.`video_events`
AS SELECT
    event_id,
    emission_time,
    course_key,
    org,
    verb_id,
    actor_id,
    object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS video_id,
    multiIf(verb_id = 'https://w3id.org/xapi/video/verbs/played', 'played',
            verb_id = 'https://w3id.org/xapi/video/verbs/paused', 'paused',
            verb_id = 'https://w3id.org/xapi/video/verbs/seeked', 'seeked',
            verb_id = 'http://adlnet.gov/expapi/verbs/completed', 'completed',
            verb_id = 'http://adlnet.gov/expapi/verbs/initialized', 'loaded',
            verb_id = 'http://adlnet.gov/expapi/verbs/terminated', 'stopped',
            JSONHas(event, 'result', 'extensions', 'https://w3id.org/xapi/video/extensions/cc-enabled'),
            if(JSONExtractBool(event, 'result', 'extensions', 'https://w3id.org/xapi/video/extensions/cc-enabled'), 'captions_shown', 'captions_hidden'),
            JSONHas(event, 'result', 'extensions', 'https://w3id.org/xapi/openedx/extension/speed-to'), 'speed_changed',
            verb_id = 'http://adlnet.gov/expapi/verbs/interacted', 'language_menu', 'other') AS event_type,
    if(JSONHas(event, 'result', 'extensions', 'https://w3id.org/xapi/video/extensions/time'),
       JSONExtractFloat(event, 'result', 'extensions', 'https://w3id.org/xapi/video/extensions/time'),
       JSONExtractFloat(event, 'result', 'extensions', 'https://w3id.org/xapi/video/extensions/time-from')) AS position,
    JSONExtractFloat(event, 'result', 'extensions', 'https://w3id.org/xapi/video/extensions/time-to') AS seek_to,
    JSONExtractFloat(event, 'context', 'extensions', 'https://w3id.org/xapi/video/extensions/length') AS video_length,
    JSONExtractString(event, 'result', 'extensions', 'https://w3id.org/xapi/openedx/extension/speed-to') AS speed_to
FROM {oars}.`statement_fields`
WHERE object_type = 'https://w3id.org/xapi/video/activity-type/video'"""
    ),
    RunSQL(
        """CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`problem_events_fields_mv`{on_cluster}
TO {oars}.`problem_events`
AS SELECT
    event_id,
    emission_time,
    course_key,
    org,
    verb_id,
    actor_id,
    object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS problem_id,
    multiIf(verb_id = 'https://w3id.org/xapi/acrossx/verbs/evaluated', 'submitted',
            verb_id = 'http://adlnet.gov/expapi/verbs/attempted', 'browser_check',
            endsWith(object_id, '/answer'), 'answer_shown', 'hint_shown') AS kind,
    JSONExtractBool(event, 'result', 'success') AS success,
    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,
    toInt32(JSONExtractInt(event, 'object', 'definition', 'extensions', 'http://id.tincanapi.com/extension/attempt-id')) AS attempt,
    JSONExtractString(event, 'object', 'definition', 'interactionType') AS interaction_type
FROM {oars}.`statement_fields`
WHERE (verb_id IN ('https://w3id.org/xapi/acrossx/verbs/evaluated', 'http://adlnet.gov/expapi/verbs/asked')
       OR (verb_id = 'http://adlnet.gov/expapi/verbs/attempted'
           AND object_type = 'http://adlnet.gov/expapi/activities/cmi.interaction'))
  AND NOT JSONHas(event, 'context', 'statement')
  AND position(object_id, '@problem+block@') > 0"""
    ),
    RunSQL(
        """CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`navigation_events_fields_mv`{on_cluster}
TO {oars}.`navigation_events`
AS SELECT
    event_id,
    emission_time,
    course_key,
    org,
    verb_id,
    actor_id,
    object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS block_id,
    object_type AS object_type,
    JSONExtractString(event, 'context', 'extensions', 'http://id.tincanapi.com/extension/ending-point') AS ending_point
FROM {oars}.`statement_fields`
WHERE verb_id = 'https://w3id.org/xapi/dod-isd/verbs/navigated'"""
    ),
    RunSQL(
        """CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`grading_events_fields_mv`{on_cluster}
TO {oars}.`grading_events`
AS SELECT
    event_id,
    emission_time,
    course_key,
    org,
    verb_id,
    actor_id,
    object_id,
    object_type = 'http://adlnet.gov/expapi/activities/course' AS is_course,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS block_id,
    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,
    JSONExtractString(event, 'result', 'extensions', 'http://www.tincanapi.co.uk/activitytypes/grade_classification') AS grade_classification,
    multiIf(verb_id = 'http://adlnet.gov/expapi/verbs/passed', 'passed',
            verb_id = 'http://adlnet.gov/expapi/verbs/failed', 'failed', '') AS approving_state
FROM {oars}.`statement_fields`
WHERE verb_id = 'http://id.tincanapi.com/verb/earned'
   OR (verb_id IN ('http://adlnet.gov/expapi/verbs/passed', 'http://adlnet.gov/expapi/verbs/failed')
       AND object_type = 'http://adlnet.gov/expapi/activities/course')"""
    ),
    RunSQL(
        """CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`completion_events_fields_mv`{on_cluster}
TO {oars}.`completion_events`
AS SELECT
    event_id,
    emission_time,
    course_key,
    org,
    verb_id,
    actor_id,
    object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS block_id,
    JSONExtractFloat(event, 'result', 'extensions', 'https://w3id.org/xapi/cmi5/result/extensions/progress') AS progress,
    JSONExtractBool(event, 'result', 'completion') AS completed
FROM {oars}.`statement_fields`
WHERE verb_id = 'http://adlnet.gov/expapi/verbs/progressed'"""
    ),
    RunSQL(
        """CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`forum_events_fields_mv`{on_cluster}
TO {oars}.`forum_events`
AS SELECT
    event_id,
    emission_time,
    course_key,
    org,
    verb_id,
    actor_id,
    object_id,
    if(JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id') != '',
       JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), object_id) AS thread_id
FROM {oars}.`statement_fields`
WHERE object_type = 'http://id.tincanapi.com/activitytype/discussion'"""
    ),
    RunSQL(
        """CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`problem_learner_state_fields_mv`{on_cluster}
TO {oars}.`problem_learner_state`
AS SELECT org, course_key, problem_id, actor_id,
    uniqExactState(event_id) AS submissions,
    argMinState(success, (emission_time, event_id)) AS first_success,
    maxState(success) AS ever_success,
    minState(emission_time) AS first_time
FROM (
SELECT
    event_id,
    emission_time,
    course_key,
    org,
    verb_id,
    actor_id,
    object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS problem_id,
    multiIf(verb_id = 'https://w3id.org/xapi/acrossx/verbs/evaluated', 'submitted',
            verb_id = 'http://adlnet.gov/expapi/verbs/attempted', 'browser_check',
            endsWith(object_id, '/answer'), 'answer_shown', 'hint_shown') AS kind,
    JSONExtractBool(event, 'result', 'success') AS success,
    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,
    toInt32(JSONExtractInt(event, 'object', 'definition', 'extensions', 'http://id.tincanapi.com/extension/attempt-id')) AS attempt,
    JSONExtractString(event, 'object', 'definition', 'interactionType') AS interaction_type
FROM {oars}.`statement_fields`
WHERE (verb_id IN ('https://w3id.org/xapi/acrossx/verbs/evaluated', 'http://adlnet.gov/expapi/verbs/asked')
       OR (verb_id = 'http://adlnet.gov/expapi/verbs/attempted'
           AND object_type = 'http://adlnet.gov/expapi/activities/cmi.interaction'))
  AND NOT JSONHas(event, 'context', 'statement')
  AND position(object_id, '@problem+block@') > 0
)
WHERE kind = 'submitted'
GROUP BY org, course_key, problem_id, actor_id"""
    ),
    RunSQL(
        """CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`statement_fields_mv`{on_cluster}
TO {oars}.`statement_fields`
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    event,
    JSONExtractString(event, 'object', 'definition', 'type') AS object_type
FROM {xapi}.`xapi_events_all`"""
    ),
    RunSQL(
        """DROP VIEW IF EXISTS {oars}.`events_parsed_mv`{on_cluster}"""
    ),
    RunSQL(
        """DROP VIEW IF EXISTS {oars}.`enrollment_events_mv`{on_cluster}"""
    ),
    RunSQL(
        """DROP VIEW IF EXISTS {oars}.`video_events_mv`{on_cluster}"""
    ),
    RunSQL(
        """DROP VIEW IF EXISTS {oars}.`problem_events_mv`{on_cluster}"""
    ),
    RunSQL(
        """DROP VIEW IF EXISTS {oars}.`navigation_events_mv`{on_cluster}"""
    ),
    RunSQL(
        """DROP VIEW IF EXISTS {oars}.`grading_events_mv`{on_cluster}"""
    ),
    RunSQL(
        """DROP VIEW IF EXISTS {oars}.`completion_events_mv`{on_cluster}"""
    ),
    RunSQL(
        """DROP VIEW IF EXISTS {oars}.`forum_events_mv`{on_cluster}"""
    ),
    RunSQL(
        """DROP VIEW IF EXISTS {oars}.`problem_learner_state_mv`{on_cluster}"""
    ),
]
