-- bootstrap
CREATE DATABASE IF NOT EXISTS `oars` ON CLUSTER `analytics`;

-- bootstrap
CREATE TABLE IF NOT EXISTS `oars`.`clickhouse_migrations` ON CLUSTER `analytics`
(
    `version` UInt32,
    `name` String,
    `checksum` String,
    `applied_at` DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree(applied_at)
ORDER BY version;

-- 0001_create_databases
CREATE DATABASE IF NOT EXISTS `xapi` ON CLUSTER `analytics`;

-- 0001_create_databases
CREATE DATABASE IF NOT EXISTS `event_sink` ON CLUSTER `analytics`;

-- 0001_create_databases
CREATE DATABASE IF NOT EXISTS `oars` ON CLUSTER `analytics`;

-- 0002_create_xapi_events_all
CREATE TABLE IF NOT EXISTS `xapi`.`xapi_events_all` ON CLUSTER `analytics`
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `event` String
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY toYYYYMM(emission_time)
PRIMARY KEY (emission_time, event_id)
ORDER BY (emission_time, event_id);

-- 0003_create_event_sink_course_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`course_overviews` ON CLUSTER `analytics`
(
    `org` String,
    `course_key` String,
    `display_name` String,
    `course_start` String,
    `course_end` String,
    `enrollment_start` String,
    `enrollment_end` String,
    `self_paced` Bool,
    `course_data_json` String,
    `created` String,
    `modified` String,
    `dump_id` UUID,
    `time_last_dumped` String
)
ENGINE = ReplicatedMergeTree()
PRIMARY KEY (org, course_key, modified, time_last_dumped)
ORDER BY (org, course_key, modified, time_last_dumped);

-- 0003_create_event_sink_course_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`course_blocks` ON CLUSTER `analytics`
(
    `org` String,
    `course_key` String,
    `location` String,
    `display_name` String,
    `xblock_data_json` String,
    `order` Int32 DEFAULT 0,
    `edited_on` String,
    `dump_id` UUID,
    `time_last_dumped` String
)
ENGINE = ReplicatedMergeTree()
PRIMARY KEY (org, course_key, location, edited_on)
ORDER BY (org, course_key, location, edited_on, order);

-- 0004_create_event_sink_learner_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`course_enrollment` ON CLUSTER `analytics`
(
    `id` Int32,
    `course_key` String,
    `created` String,
    `is_active` Bool,
    `mode` LowCardinality(String),
    `username` String,
    `user_id` Int32,
    `dump_id` UUID,
    `time_last_dumped` String
)
ENGINE = ReplicatedMergeTree()
PRIMARY KEY (course_key, user_id, time_last_dumped)
ORDER BY (course_key, user_id, time_last_dumped);

-- 0004_create_event_sink_learner_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`user_profile` ON CLUSTER `analytics`
(
    `id` Int32,
    `user_id` Int32,
    `name` String,
    `username` String DEFAULT '',
    `email` String DEFAULT '',
    `meta` String,
    `courseware` String,
    `language` String,
    `location` String,
    `year_of_birth` String,
    `gender` String,
    `level_of_education` String,
    `mailing_address` String,
    `city` String,
    `country` String,
    `state` String,
    `goals` String,
    `bio` String,
    `profile_image_uploaded_at` String,
    `phone_number` String,
    `dump_id` UUID,
    `time_last_dumped` String
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY user_id MOD 100
PRIMARY KEY (id, time_last_dumped)
ORDER BY (id, time_last_dumped);

-- 0004_create_event_sink_learner_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`external_id` ON CLUSTER `analytics`
(
    `external_user_id` UUID,
    `external_id_type` String,
    `username` String,
    `user_id` Int32,
    `dump_id` UUID,
    `time_last_dumped` String
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY user_id MOD 100
PRIMARY KEY (external_user_id, time_last_dumped)
ORDER BY (external_user_id, time_last_dumped);

-- 0005_create_pipeline_tables
CREATE TABLE IF NOT EXISTS `oars`.`quarantine` ON CLUSTER `analytics`
(
    `received_at` DateTime64(3, 'UTC'),
    `source` LowCardinality(String),
    `reason` LowCardinality(String),
    `event_name` String,
    `detail` String,
    `raw` String,
    `raw_truncated` Bool
)
ENGINE = ReplicatedMergeTree()
PARTITION BY toYYYYMM(received_at)
ORDER BY (reason, received_at)
TTL toDateTime(received_at) + INTERVAL 90 DAY;

-- 0005_create_pipeline_tables
CREATE TABLE IF NOT EXISTS `oars`.`ingest_counts` ON CLUSTER `analytics`
(
    `day` Date,
    `source` LowCardinality(String),
    `event_name` String,
    `outcome` LowCardinality(String),
    `events` SimpleAggregateFunction(sum, UInt64),
    `last_received_at` SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    `last_emission_time` SimpleAggregateFunction(max, DateTime64(6, 'UTC'))
)
ENGINE = ReplicatedAggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, source, event_name, outcome);

-- 0006_create_course_structure_tables
CREATE TABLE IF NOT EXISTS `oars`.`course_block_dumps` ON CLUSTER `analytics`
(
    `org` String,
    `course_key` String,
    `dump_id` UUID,
    `location` String,
    `block_type` LowCardinality(String),
    `display_name` String,
    `display_name_with_location` String,
    `parent_location` String,
    `section_location` String,
    `subsection_location` String,
    `unit_location` String,
    `section` UInt32,
    `subsection` UInt32,
    `unit` UInt32,
    `course_order` Int32,
    `graded` Bool,
    `detached` Bool,
    `completion_mode` LowCardinality(String),
    `edited_on` String,
    `xblock_data_json` String,
    `read_at` DateTime64(6, 'UTC')
)
ENGINE = ReplicatedMergeTree()
PRIMARY KEY (course_key, dump_id)
ORDER BY (course_key, dump_id, location);

-- 0006_create_course_structure_tables
CREATE TABLE IF NOT EXISTS `oars`.`course_dumps` ON CLUSTER `analytics`
(
    `course_key` String,
    `org` String,
    `dump_id` UUID,
    `version` UInt64,
    `display_name` String,
    `master_course_key` String,
    `source` LowCardinality(String),
    `source_modified` Nullable(DateTime64(6, 'UTC')),
    `read_at` DateTime64(6, 'UTC'),
    `dumped_at` DateTime64(6, 'UTC'),
    `block_count` UInt32,
    `is_deleted` UInt8
)
ENGINE = ReplicatedReplacingMergeTree(version)
ORDER BY course_key;

-- 0006_create_course_structure_tables
CREATE VIEW IF NOT EXISTS `oars`.`courses_current` ON CLUSTER `analytics` AS
SELECT course_key,
       argMax(org, version) AS org,
       argMax(display_name, version) AS display_name,
       argMax(master_course_key, version) AS master_course_key,
       argMax(dump_id, version) AS dump_id,
       argMax(source, version) AS source,
       argMax(source_modified, version) AS source_modified,
       argMax(read_at, version) AS read_at,
       argMax(block_count, version) AS block_count
FROM `oars`.`course_dumps`
GROUP BY course_key
HAVING argMax(is_deleted, version) = 0;

-- 0006_create_course_structure_tables
CREATE VIEW IF NOT EXISTS `oars`.`course_blocks_current` ON CLUSTER `analytics` AS
SELECT *
FROM `oars`.`course_block_dumps`
WHERE (course_key, dump_id) IN (
    SELECT course_key, argMax(dump_id, version) FROM `oars`.`course_dumps` GROUP BY course_key
);

-- 0007_create_learner_tables
CREATE TABLE IF NOT EXISTS `oars`.`learner_enrollment` ON CLUSTER `analytics`
(
    `course_key` String,
    `user_id` Int32,
    `id` Int64,
    `mode` LowCardinality(String),
    `is_active` Bool,
    `created` DateTime64(6, 'UTC'),
    `version` DateTime64(6, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree(version)
ORDER BY (course_key, user_id);

-- 0007_create_learner_tables
ALTER TABLE `oars`.`learner_enrollment` ON CLUSTER `analytics` ADD INDEX IF NOT EXISTS id_range id TYPE minmax GRANULARITY 1;

-- 0007_create_learner_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`learner_enrollment_mv` ON CLUSTER `analytics`
TO `oars`.`learner_enrollment`
AS SELECT course_key, user_id, toInt64(id) AS id, mode, is_active,
    parseDateTime64BestEffortOrZero(created, 6, 'UTC') AS created,
    parseDateTime64BestEffort(time_last_dumped, 6, 'UTC') AS version
FROM `event_sink`.`course_enrollment`;

-- 0007_create_learner_tables
CREATE TABLE IF NOT EXISTS `oars`.`learner_grade` ON CLUSTER `analytics`
(
    `course_key` String,
    `user_id` Int32,
    `id` Int64,
    `percent_grade` Float64,
    `letter_grade` String,
    `passed_timestamp` Nullable(DateTime64(6, 'UTC')),
    `course_version` String,
    `grading_policy_hash` String,
    `course_edited_timestamp` Nullable(DateTime64(6, 'UTC')),
    `created` DateTime64(6, 'UTC'),
    `modified` DateTime64(6, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree(modified)
ORDER BY (course_key, user_id);

-- 0007_create_learner_tables
ALTER TABLE `oars`.`learner_grade` ON CLUSTER `analytics` ADD INDEX IF NOT EXISTS id_range id TYPE minmax GRANULARITY 1;

-- 0007_create_learner_tables
CREATE TABLE IF NOT EXISTS `oars`.`learner_passing` ON CLUSTER `analytics`
(
    `course_key` String,
    `user_id` Int32,
    `is_passing` Bool,
    `version` DateTime64(6, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree(version)
ORDER BY (course_key, user_id);

-- 0007_create_learner_tables
CREATE TABLE IF NOT EXISTS `oars`.`learner_certificate` ON CLUSTER `analytics`
(
    `course_key` String,
    `user_id` Int32,
    `id` Int64,
    `status` LowCardinality(String),
    `mode` LowCardinality(String),
    `grade` String,
    `download_url` String,
    `created` DateTime64(6, 'UTC'),
    `modified` DateTime64(6, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree(modified)
ORDER BY (course_key, user_id);

-- 0007_create_learner_tables
ALTER TABLE `oars`.`learner_certificate` ON CLUSTER `analytics` ADD INDEX IF NOT EXISTS id_range id TYPE minmax GRANULARITY 1;

-- 0007_create_learner_tables
CREATE TABLE IF NOT EXISTS `oars`.`learner_cohort` ON CLUSTER `analytics`
(
    `course_key` String,
    `user_id` Int32,
    `cohort_id` Int64,
    `cohort_name` String,
    `version` DateTime64(6, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree(version)
ORDER BY (course_key, user_id);

-- 0008_create_report_tables
CREATE TABLE IF NOT EXISTS `oars`.`events_parsed` ON CLUSTER `analytics`
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `course_key` LowCardinality(String),
    `org` LowCardinality(String),
    `verb_id` LowCardinality(String),
    `actor_id` String,
    `object_id` String
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY toYYYYMM(emission_time)
ORDER BY (org, course_key, verb_id, emission_time, event_id)
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id
FROM `xapi`.`xapi_events_all`;

-- 0008_create_report_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`events_parsed_mv` ON CLUSTER `analytics`
TO `oars`.`events_parsed`
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id
FROM `xapi`.`xapi_events_all`;

-- 0008_create_report_tables
CREATE TABLE IF NOT EXISTS `oars`.`enrollment_events` ON CLUSTER `analytics`
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `course_key` LowCardinality(String),
    `org` LowCardinality(String),
    `verb_id` LowCardinality(String),
    `actor_id` String,
    `object_id` String,
    `enrollment_mode` LowCardinality(String),
    `enrollment_status` LowCardinality(String)
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY toYYYYMM(emission_time)
ORDER BY (org, course_key, actor_id, emission_time, event_id)
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    JSONExtractString(event, 'object', 'definition', 'extensions', 'https://w3id.org/xapi/acrossx/extensions/type') AS enrollment_mode,
    splitByChar('/', verb_id)[-1] AS enrollment_status
FROM `xapi`.`xapi_events_all`
WHERE verb_id IN ('http://adlnet.gov/expapi/verbs/registered', 'http://id.tincanapi.com/verb/unregistered');

-- 0008_create_report_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`enrollment_events_mv` ON CLUSTER `analytics`
TO `oars`.`enrollment_events`
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    JSONExtractString(event, 'object', 'definition', 'extensions', 'https://w3id.org/xapi/acrossx/extensions/type') AS enrollment_mode,
    splitByChar('/', verb_id)[-1] AS enrollment_status
FROM `xapi`.`xapi_events_all`
WHERE verb_id IN ('http://adlnet.gov/expapi/verbs/registered', 'http://id.tincanapi.com/verb/unregistered');

-- 0008_create_report_tables
CREATE TABLE IF NOT EXISTS `oars`.`video_events` ON CLUSTER `analytics`
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `course_key` LowCardinality(String),
    `org` LowCardinality(String),
    `verb_id` LowCardinality(String),
    `actor_id` String,
    `object_id` String,
    `video_id` String,
    `event_type` LowCardinality(String),
    `position` Float64,
    `seek_to` Float64,
    `video_length` Float64,
    `speed_to` LowCardinality(String)
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY toYYYYMM(emission_time)
ORDER BY (org, course_key, video_id, actor_id, emission_time, event_id)
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
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
FROM `xapi`.`xapi_events_all`
WHERE JSONExtractString(event, 'object', 'definition', 'type') = 'https://w3id.org/xapi/video/activity-type/video';

-- 0008_create_report_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`video_events_mv` ON CLUSTER `analytics`
TO `oars`.`video_events`
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
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
FROM `xapi`.`xapi_events_all`
WHERE JSONExtractString(event, 'object', 'definition', 'type') = 'https://w3id.org/xapi/video/activity-type/video';

-- 0008_create_report_tables
CREATE TABLE IF NOT EXISTS `oars`.`problem_events` ON CLUSTER `analytics`
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `course_key` LowCardinality(String),
    `org` LowCardinality(String),
    `verb_id` LowCardinality(String),
    `actor_id` String,
    `object_id` String,
    `problem_id` String,
    `kind` LowCardinality(String),
    `success` UInt8,
    `scaled_score` Float64,
    `attempt` Int32,
    `interaction_type` LowCardinality(String)
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY toYYYYMM(emission_time)
ORDER BY (org, course_key, problem_id, actor_id, emission_time, event_id)
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS problem_id,
    multiIf(verb_id = 'https://w3id.org/xapi/acrossx/verbs/evaluated', 'submitted',
            verb_id = 'http://adlnet.gov/expapi/verbs/attempted', 'browser_check',
            endsWith(object_id, '/answer'), 'answer_shown', 'hint_shown') AS kind,
    JSONExtractBool(event, 'result', 'success') AS success,
    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,
    toInt32(JSONExtractInt(event, 'object', 'definition', 'extensions', 'http://id.tincanapi.com/extension/attempt-id')) AS attempt,
    JSONExtractString(event, 'object', 'definition', 'interactionType') AS interaction_type
FROM `xapi`.`xapi_events_all`
WHERE (verb_id IN ('https://w3id.org/xapi/acrossx/verbs/evaluated', 'http://adlnet.gov/expapi/verbs/asked')
       OR (verb_id = 'http://adlnet.gov/expapi/verbs/attempted'
           AND JSONExtractString(event, 'object', 'definition', 'type') = 'http://adlnet.gov/expapi/activities/cmi.interaction'))
  AND NOT JSONHas(event, 'context', 'statement')
  AND position(object_id, '@problem+block@') > 0;

-- 0008_create_report_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`problem_events_mv` ON CLUSTER `analytics`
TO `oars`.`problem_events`
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS problem_id,
    multiIf(verb_id = 'https://w3id.org/xapi/acrossx/verbs/evaluated', 'submitted',
            verb_id = 'http://adlnet.gov/expapi/verbs/attempted', 'browser_check',
            endsWith(object_id, '/answer'), 'answer_shown', 'hint_shown') AS kind,
    JSONExtractBool(event, 'result', 'success') AS success,
    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,
    toInt32(JSONExtractInt(event, 'object', 'definition', 'extensions', 'http://id.tincanapi.com/extension/attempt-id')) AS attempt,
    JSONExtractString(event, 'object', 'definition', 'interactionType') AS interaction_type
FROM `xapi`.`xapi_events_all`
WHERE (verb_id IN ('https://w3id.org/xapi/acrossx/verbs/evaluated', 'http://adlnet.gov/expapi/verbs/asked')
       OR (verb_id = 'http://adlnet.gov/expapi/verbs/attempted'
           AND JSONExtractString(event, 'object', 'definition', 'type') = 'http://adlnet.gov/expapi/activities/cmi.interaction'))
  AND NOT JSONHas(event, 'context', 'statement')
  AND position(object_id, '@problem+block@') > 0;

-- 0008_create_report_tables
CREATE TABLE IF NOT EXISTS `oars`.`navigation_events` ON CLUSTER `analytics`
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `course_key` LowCardinality(String),
    `org` LowCardinality(String),
    `verb_id` LowCardinality(String),
    `actor_id` String,
    `object_id` String,
    `block_id` String,
    `object_type` LowCardinality(String),
    `ending_point` String
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY toYYYYMM(emission_time)
ORDER BY (org, course_key, block_id, actor_id, emission_time, event_id)
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS block_id,
    JSONExtractString(event, 'object', 'definition', 'type') AS object_type,
    JSONExtractString(event, 'context', 'extensions', 'http://id.tincanapi.com/extension/ending-point') AS ending_point
FROM `xapi`.`xapi_events_all`
WHERE verb_id = 'https://w3id.org/xapi/dod-isd/verbs/navigated';

-- 0008_create_report_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`navigation_events_mv` ON CLUSTER `analytics`
TO `oars`.`navigation_events`
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS block_id,
    JSONExtractString(event, 'object', 'definition', 'type') AS object_type,
    JSONExtractString(event, 'context', 'extensions', 'http://id.tincanapi.com/extension/ending-point') AS ending_point
FROM `xapi`.`xapi_events_all`
WHERE verb_id = 'https://w3id.org/xapi/dod-isd/verbs/navigated';

-- 0008_create_report_tables
CREATE TABLE IF NOT EXISTS `oars`.`grading_events` ON CLUSTER `analytics`
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `course_key` LowCardinality(String),
    `org` LowCardinality(String),
    `verb_id` LowCardinality(String),
    `actor_id` String,
    `object_id` String,
    `is_course` UInt8,
    `block_id` String,
    `scaled_score` Float64,
    `grade_classification` String,
    `approving_state` LowCardinality(String)
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY toYYYYMM(emission_time)
ORDER BY (org, course_key, actor_id, emission_time, event_id)
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    JSONExtractString(event, 'object', 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course' AS is_course,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS block_id,
    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,
    JSONExtractString(event, 'result', 'extensions', 'http://www.tincanapi.co.uk/activitytypes/grade_classification') AS grade_classification,
    multiIf(verb_id = 'http://adlnet.gov/expapi/verbs/passed', 'passed',
            verb_id = 'http://adlnet.gov/expapi/verbs/failed', 'failed', '') AS approving_state
FROM `xapi`.`xapi_events_all`
WHERE verb_id = 'http://id.tincanapi.com/verb/earned'
   OR (verb_id IN ('http://adlnet.gov/expapi/verbs/passed', 'http://adlnet.gov/expapi/verbs/failed')
       AND JSONExtractString(event, 'object', 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course');

-- 0008_create_report_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`grading_events_mv` ON CLUSTER `analytics`
TO `oars`.`grading_events`
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    JSONExtractString(event, 'object', 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course' AS is_course,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS block_id,
    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,
    JSONExtractString(event, 'result', 'extensions', 'http://www.tincanapi.co.uk/activitytypes/grade_classification') AS grade_classification,
    multiIf(verb_id = 'http://adlnet.gov/expapi/verbs/passed', 'passed',
            verb_id = 'http://adlnet.gov/expapi/verbs/failed', 'failed', '') AS approving_state
FROM `xapi`.`xapi_events_all`
WHERE verb_id = 'http://id.tincanapi.com/verb/earned'
   OR (verb_id IN ('http://adlnet.gov/expapi/verbs/passed', 'http://adlnet.gov/expapi/verbs/failed')
       AND JSONExtractString(event, 'object', 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course');

-- 0008_create_report_tables
CREATE TABLE IF NOT EXISTS `oars`.`completion_events` ON CLUSTER `analytics`
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `course_key` LowCardinality(String),
    `org` LowCardinality(String),
    `verb_id` LowCardinality(String),
    `actor_id` String,
    `object_id` String,
    `block_id` String,
    `progress` Float64,
    `completed` UInt8
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY toYYYYMM(emission_time)
ORDER BY (org, course_key, block_id, actor_id, emission_time, event_id)
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS block_id,
    JSONExtractFloat(event, 'result', 'extensions', 'https://w3id.org/xapi/cmi5/result/extensions/progress') AS progress,
    JSONExtractBool(event, 'result', 'completion') AS completed
FROM `xapi`.`xapi_events_all`
WHERE verb_id = 'http://adlnet.gov/expapi/verbs/progressed';

-- 0008_create_report_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`completion_events_mv` ON CLUSTER `analytics`
TO `oars`.`completion_events`
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS block_id,
    JSONExtractFloat(event, 'result', 'extensions', 'https://w3id.org/xapi/cmi5/result/extensions/progress') AS progress,
    JSONExtractBool(event, 'result', 'completion') AS completed
FROM `xapi`.`xapi_events_all`
WHERE verb_id = 'http://adlnet.gov/expapi/verbs/progressed';

-- 0008_create_report_tables
CREATE TABLE IF NOT EXISTS `oars`.`forum_events` ON CLUSTER `analytics`
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `course_key` LowCardinality(String),
    `org` LowCardinality(String),
    `verb_id` LowCardinality(String),
    `actor_id` String,
    `object_id` String,
    `thread_id` String
)
ENGINE = ReplicatedReplacingMergeTree()
PARTITION BY toYYYYMM(emission_time)
ORDER BY (org, course_key, verb_id, emission_time, event_id)
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    if(JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id') != '',
       JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), object_id) AS thread_id
FROM `xapi`.`xapi_events_all`
WHERE JSONExtractString(event, 'object', 'definition', 'type') = 'http://id.tincanapi.com/activitytype/discussion';

-- 0008_create_report_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`forum_events_mv` ON CLUSTER `analytics`
TO `oars`.`forum_events`
AS SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    if(JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id') != '',
       JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), object_id) AS thread_id
FROM `xapi`.`xapi_events_all`
WHERE JSONExtractString(event, 'object', 'definition', 'type') = 'http://id.tincanapi.com/activitytype/discussion';

-- 0008_create_report_tables
CREATE TABLE IF NOT EXISTS `oars`.`problem_learner_state` ON CLUSTER `analytics`
(
    `org` LowCardinality(String),
    `course_key` LowCardinality(String),
    `problem_id` String,
    `actor_id` String,
    `submissions` AggregateFunction(uniqExact, UUID),
    `first_success` AggregateFunction(argMin, UInt8, Tuple(DateTime64(6), UUID)),
    `ever_success` AggregateFunction(max, UInt8),
    `first_time` AggregateFunction(min, DateTime64(6))
)
ENGINE = ReplicatedAggregatingMergeTree()
ORDER BY (org, course_key, problem_id, actor_id)
AS SELECT org, course_key, problem_id, actor_id,
    uniqExactState(event_id) AS submissions,
    argMinState(success, (emission_time, event_id)) AS first_success,
    maxState(success) AS ever_success,
    minState(emission_time) AS first_time
FROM (
SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS problem_id,
    multiIf(verb_id = 'https://w3id.org/xapi/acrossx/verbs/evaluated', 'submitted',
            verb_id = 'http://adlnet.gov/expapi/verbs/attempted', 'browser_check',
            endsWith(object_id, '/answer'), 'answer_shown', 'hint_shown') AS kind,
    JSONExtractBool(event, 'result', 'success') AS success,
    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,
    toInt32(JSONExtractInt(event, 'object', 'definition', 'extensions', 'http://id.tincanapi.com/extension/attempt-id')) AS attempt,
    JSONExtractString(event, 'object', 'definition', 'interactionType') AS interaction_type
FROM `xapi`.`xapi_events_all`
WHERE (verb_id IN ('https://w3id.org/xapi/acrossx/verbs/evaluated', 'http://adlnet.gov/expapi/verbs/asked')
       OR (verb_id = 'http://adlnet.gov/expapi/verbs/attempted'
           AND JSONExtractString(event, 'object', 'definition', 'type') = 'http://adlnet.gov/expapi/activities/cmi.interaction'))
  AND NOT JSONHas(event, 'context', 'statement')
  AND position(object_id, '@problem+block@') > 0
)
WHERE kind = 'submitted'
GROUP BY org, course_key, problem_id, actor_id;

-- 0008_create_report_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`problem_learner_state_mv` ON CLUSTER `analytics`
TO `oars`.`problem_learner_state`
AS SELECT org, course_key, problem_id, actor_id,
    uniqExactState(event_id) AS submissions,
    argMinState(success, (emission_time, event_id)) AS first_success,
    maxState(success) AS ever_success,
    minState(emission_time) AS first_time
FROM (
SELECT
    event_id,
    emission_time,
    extract(multiIf(JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id'), JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'definition', 'type') = 'http://adlnet.gov/expapi/activities/course', JSONExtractString(event, 'context', 'contextActivities', 'grouping', 1, 'id'), JSONExtractString(event, 'object', 'id')), '((?:course|ccx)-v1:[^/?#]+)') AS course_key,
    extract(course_key, '^[a-z]+-v1:([^+]+)') AS org,
    JSONExtractString(event, 'verb', 'id') AS verb_id,
    multiIf(JSONExtractString(event, 'actor', 'account', 'name') != '', JSONExtractString(event, 'actor', 'account', 'name'), JSONExtractString(event, 'actor', 'mbox') != '', JSONExtractString(event, 'actor', 'mbox'), JSONExtractString(event, 'actor', 'mbox_sha1sum')) AS actor_id,
    JSONExtractString(event, 'object', 'id') AS object_id,
    extract(object_id, '((?:ccx-)?block-v1:[^/?#]+)') AS problem_id,
    multiIf(verb_id = 'https://w3id.org/xapi/acrossx/verbs/evaluated', 'submitted',
            verb_id = 'http://adlnet.gov/expapi/verbs/attempted', 'browser_check',
            endsWith(object_id, '/answer'), 'answer_shown', 'hint_shown') AS kind,
    JSONExtractBool(event, 'result', 'success') AS success,
    JSONExtractFloat(event, 'result', 'score', 'scaled') AS scaled_score,
    toInt32(JSONExtractInt(event, 'object', 'definition', 'extensions', 'http://id.tincanapi.com/extension/attempt-id')) AS attempt,
    JSONExtractString(event, 'object', 'definition', 'interactionType') AS interaction_type
FROM `xapi`.`xapi_events_all`
WHERE (verb_id IN ('https://w3id.org/xapi/acrossx/verbs/evaluated', 'http://adlnet.gov/expapi/verbs/asked')
       OR (verb_id = 'http://adlnet.gov/expapi/verbs/attempted'
           AND JSONExtractString(event, 'object', 'definition', 'type') = 'http://adlnet.gov/expapi/activities/cmi.interaction'))
  AND NOT JSONHas(event, 'context', 'statement')
  AND position(object_id, '@problem+block@') > 0
)
WHERE kind = 'submitted'
GROUP BY org, course_key, problem_id, actor_id;

-- 0009_create_retired_users
CREATE TABLE IF NOT EXISTS `oars`.`retired_users` ON CLUSTER `analytics`
(
    `user_id` Int64,
    `retired_at` DateTime64(3, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree()
ORDER BY user_id;

-- 0010_parse_statements_once_for_reports
CREATE TABLE IF NOT EXISTS `oars`.`statement_fields` ON CLUSTER `analytics`
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
ENGINE = Null;

-- 0010_parse_statements_once_for_reports
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`events_parsed_fields_mv` ON CLUSTER `analytics`
TO `oars`.`events_parsed`
AS SELECT
    event_id,
    emission_time,
    course_key,
    org,
    verb_id,
    actor_id,
    object_id
FROM `oars`.`statement_fields`;

-- 0010_parse_statements_once_for_reports
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`enrollment_events_fields_mv` ON CLUSTER `analytics`
TO `oars`.`enrollment_events`
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
FROM `oars`.`statement_fields`
WHERE verb_id IN ('http://adlnet.gov/expapi/verbs/registered', 'http://id.tincanapi.com/verb/unregistered');

-- 0010_parse_statements_once_for_reports
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`video_events_fields_mv` ON CLUSTER `analytics`
TO `oars`.`video_events`
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
FROM `oars`.`statement_fields`
WHERE object_type = 'https://w3id.org/xapi/video/activity-type/video';

-- 0010_parse_statements_once_for_reports
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`problem_events_fields_mv` ON CLUSTER `analytics`
TO `oars`.`problem_events`
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
FROM `oars`.`statement_fields`
WHERE (verb_id IN ('https://w3id.org/xapi/acrossx/verbs/evaluated', 'http://adlnet.gov/expapi/verbs/asked')
       OR (verb_id = 'http://adlnet.gov/expapi/verbs/attempted'
           AND object_type = 'http://adlnet.gov/expapi/activities/cmi.interaction'))
  AND NOT JSONHas(event, 'context', 'statement')
  AND position(object_id, '@problem+block@') > 0;

-- 0010_parse_statements_once_for_reports
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`navigation_events_fields_mv` ON CLUSTER `analytics`
TO `oars`.`navigation_events`
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
FROM `oars`.`statement_fields`
WHERE verb_id = 'https://w3id.org/xapi/dod-isd/verbs/navigated';

-- 0010_parse_statements_once_for_reports
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`grading_events_fields_mv` ON CLUSTER `analytics`
TO `oars`.`grading_events`
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
FROM `oars`.`statement_fields`
WHERE verb_id = 'http://id.tincanapi.com/verb/earned'
   OR (verb_id IN ('http://adlnet.gov/expapi/verbs/passed', 'http://adlnet.gov/expapi/verbs/failed')
       AND object_type = 'http://adlnet.gov/expapi/activities/course');

-- 0010_parse_statements_once_for_reports
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`completion_events_fields_mv` ON CLUSTER `analytics`
TO `oars`.`completion_events`
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
FROM `oars`.`statement_fields`
WHERE verb_id = 'http://adlnet.gov/expapi/verbs/progressed';

-- 0010_parse_statements_once_for_reports
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`forum_events_fields_mv` ON CLUSTER `analytics`
TO `oars`.`forum_events`
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
FROM `oars`.`statement_fields`
WHERE object_type = 'http://id.tincanapi.com/activitytype/discussion';

-- 0010_parse_statements_once_for_reports
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`problem_learner_state_fields_mv` ON CLUSTER `analytics`
TO `oars`.`problem_learner_state`
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
FROM `oars`.`statement_fields`
WHERE (verb_id IN ('https://w3id.org/xapi/acrossx/verbs/evaluated', 'http://adlnet.gov/expapi/verbs/asked')
       OR (verb_id = 'http://adlnet.gov/expapi/verbs/attempted'
           AND object_type = 'http://adlnet.gov/expapi/activities/cmi.interaction'))
  AND NOT JSONHas(event, 'context', 'statement')
  AND position(object_id, '@problem+block@') > 0
)
WHERE kind = 'submitted'
GROUP BY org, course_key, problem_id, actor_id;

-- 0010_parse_statements_once_for_reports
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`statement_fields_mv` ON CLUSTER `analytics`
TO `oars`.`statement_fields`
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
FROM `xapi`.`xapi_events_all`;

-- 0010_parse_statements_once_for_reports
DROP VIEW IF EXISTS `oars`.`events_parsed_mv` ON CLUSTER `analytics`;

-- 0010_parse_statements_once_for_reports
DROP VIEW IF EXISTS `oars`.`enrollment_events_mv` ON CLUSTER `analytics`;

-- 0010_parse_statements_once_for_reports
DROP VIEW IF EXISTS `oars`.`video_events_mv` ON CLUSTER `analytics`;

-- 0010_parse_statements_once_for_reports
DROP VIEW IF EXISTS `oars`.`problem_events_mv` ON CLUSTER `analytics`;

-- 0010_parse_statements_once_for_reports
DROP VIEW IF EXISTS `oars`.`navigation_events_mv` ON CLUSTER `analytics`;

-- 0010_parse_statements_once_for_reports
DROP VIEW IF EXISTS `oars`.`grading_events_mv` ON CLUSTER `analytics`;

-- 0010_parse_statements_once_for_reports
DROP VIEW IF EXISTS `oars`.`completion_events_mv` ON CLUSTER `analytics`;

-- 0010_parse_statements_once_for_reports
DROP VIEW IF EXISTS `oars`.`forum_events_mv` ON CLUSTER `analytics`;

-- 0010_parse_statements_once_for_reports
DROP VIEW IF EXISTS `oars`.`problem_learner_state_mv` ON CLUSTER `analytics`;

-- 0011_create_aspects_functions_and_tag_tables
CREATE OR REPLACE FUNCTION get_org_from_course_url ON CLUSTER `analytics` AS (course_url) -> nullIf(EXTRACT(course_url, 'course-v1:([a-zA-Z0-9\w\-~.:%]*)'), '');

-- 0011_create_aspects_functions_and_tag_tables
CREATE OR REPLACE FUNCTION get_org_from_ccx_course_url ON CLUSTER `analytics` AS (course_url) -> nullIf(EXTRACT(course_url, 'ccx-v1:([a-zA-Z0-9]*)'), '');

-- 0011_create_aspects_functions_and_tag_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`tag` ON CLUSTER `analytics`
(
    `id` Int32,
    `taxonomy` Int32,
    `parent` Int32,
    `value` String,
    `external_id` String,
    `lineage` String,
    `dump_id` UUID,
    `time_last_dumped` String
)
ENGINE = ReplicatedReplacingMergeTree()
PRIMARY KEY (id, time_last_dumped)
ORDER BY (id, time_last_dumped);

-- 0011_create_aspects_functions_and_tag_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`taxonomy` ON CLUSTER `analytics`
(
    `id` Int32,
    `name` String,
    `dump_id` UUID,
    `time_last_dumped` String
)
ENGINE = ReplicatedReplacingMergeTree()
PRIMARY KEY (id, time_last_dumped)
ORDER BY (id, time_last_dumped);

-- 0011_create_aspects_functions_and_tag_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`object_tag` ON CLUSTER `analytics`
(
    `id` Int32,
    `object_id` String,
    `taxonomy` Int32,
    `tag` Int32,
    `_value` String,
    `_export_id` String,
    `lineage` String,
    `dump_id` UUID,
    `time_last_dumped` String
)
ENGINE = ReplicatedReplacingMergeTree()
PRIMARY KEY (id, time_last_dumped)
ORDER BY (id, time_last_dumped);

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `xapi`.`xapi_events_all` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`events_parsed` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`enrollment_events` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`video_events` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`problem_events` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`navigation_events` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`grading_events` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`completion_events` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`forum_events` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`problem_learner_state` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`quarantine` ON CLUSTER `analytics` ADD COLUMN IF NOT EXISTS `quarantine_id` UUID;

-- 0012_deduplicate_inserts_and_count_what_is_stored
ALTER TABLE `oars`.`quarantine` ON CLUSTER `analytics` MODIFY SETTING non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
CREATE TABLE IF NOT EXISTS `oars`.`ingest_ledger` ON CLUSTER `analytics`
(
    `outcome` LowCardinality(String),
    `event_name` String,
    `id` UUID,
    `day` Date,
    `source` LowCardinality(String),
    `received_at` DateTime64(3, 'UTC'),
    `emission_time` DateTime64(6, 'UTC')
)
ENGINE = ReplicatedReplacingMergeTree()
ORDER BY (outcome, event_name, id)
SETTINGS non_replicated_deduplication_window = 10000;

-- 0012_deduplicate_inserts_and_count_what_is_stored
CREATE VIEW IF NOT EXISTS `oars`.`ingest_totals` ON CLUSTER `analytics` AS
SELECT day, source, event_name, outcome, count() AS events, max(received_at) AS last_received_at,
    max(emission_time) AS last_emission_time
FROM `oars`.`ingest_ledger` FINAL
GROUP BY day, source, event_name, outcome;
