-- bootstrap
CREATE DATABASE IF NOT EXISTS `oars`;

-- bootstrap
CREATE TABLE IF NOT EXISTS `oars`.`clickhouse_migrations`
(
    `version` UInt32,
    `name` String,
    `checksum` String,
    `applied_at` DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY version;

-- 0001_create_databases
CREATE DATABASE IF NOT EXISTS `xapi`;

-- 0001_create_databases
CREATE DATABASE IF NOT EXISTS `event_sink`;

-- 0001_create_databases
CREATE DATABASE IF NOT EXISTS `oars`;

-- 0002_create_xapi_events_all
CREATE TABLE IF NOT EXISTS `xapi`.`xapi_events_all`
(
    `event_id` UUID,
    `emission_time` DateTime64(6),
    `event` String
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(emission_time)
PRIMARY KEY (emission_time, event_id)
ORDER BY (emission_time, event_id);

-- 0003_create_event_sink_course_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`course_overviews`
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
ENGINE = MergeTree()
PRIMARY KEY (org, course_key, modified, time_last_dumped)
ORDER BY (org, course_key, modified, time_last_dumped);

-- 0003_create_event_sink_course_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`course_blocks`
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
ENGINE = MergeTree()
PRIMARY KEY (org, course_key, location, edited_on)
ORDER BY (org, course_key, location, edited_on, order);

-- 0004_create_event_sink_learner_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`course_enrollment`
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
ENGINE = MergeTree()
PRIMARY KEY (course_key, user_id, time_last_dumped)
ORDER BY (course_key, user_id, time_last_dumped);

-- 0004_create_event_sink_learner_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`user_profile`
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
ENGINE = ReplacingMergeTree()
PARTITION BY user_id MOD 100
PRIMARY KEY (id, time_last_dumped)
ORDER BY (id, time_last_dumped);

-- 0004_create_event_sink_learner_tables
CREATE TABLE IF NOT EXISTS `event_sink`.`external_id`
(
    `external_user_id` UUID,
    `external_id_type` String,
    `username` String,
    `user_id` Int32,
    `dump_id` UUID,
    `time_last_dumped` String
)
ENGINE = ReplacingMergeTree()
PARTITION BY user_id MOD 100
PRIMARY KEY (external_user_id, time_last_dumped)
ORDER BY (external_user_id, time_last_dumped);

-- 0005_create_pipeline_tables
CREATE TABLE IF NOT EXISTS `oars`.`quarantine`
(
    `received_at` DateTime64(3, 'UTC'),
    `source` LowCardinality(String),
    `reason` LowCardinality(String),
    `event_name` String,
    `detail` String,
    `raw` String,
    `raw_truncated` Bool
)
ENGINE = MergeTree()
PARTITION BY toYYYYMM(received_at)
ORDER BY (reason, received_at)
TTL toDateTime(received_at) + INTERVAL 90 DAY;

-- 0005_create_pipeline_tables
CREATE TABLE IF NOT EXISTS `oars`.`ingest_counts`
(
    `day` Date,
    `source` LowCardinality(String),
    `event_name` String,
    `outcome` LowCardinality(String),
    `events` SimpleAggregateFunction(sum, UInt64),
    `last_received_at` SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    `last_emission_time` SimpleAggregateFunction(max, DateTime64(6, 'UTC'))
)
ENGINE = AggregatingMergeTree()
PARTITION BY toYYYYMM(day)
ORDER BY (day, source, event_name, outcome);

-- 0006_create_course_structure_tables
CREATE TABLE IF NOT EXISTS `oars`.`course_block_dumps`
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
ENGINE = MergeTree()
PRIMARY KEY (course_key, dump_id)
ORDER BY (course_key, dump_id, location);

-- 0006_create_course_structure_tables
CREATE TABLE IF NOT EXISTS `oars`.`course_dumps`
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
ENGINE = ReplacingMergeTree(version)
ORDER BY course_key;

-- 0006_create_course_structure_tables
CREATE VIEW IF NOT EXISTS `oars`.`courses_current` AS
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
CREATE VIEW IF NOT EXISTS `oars`.`course_blocks_current` AS
SELECT *
FROM `oars`.`course_block_dumps`
WHERE (course_key, dump_id) IN (
    SELECT course_key, argMax(dump_id, version) FROM `oars`.`course_dumps` GROUP BY course_key
);

-- 0007_create_learner_tables
CREATE TABLE IF NOT EXISTS `oars`.`learner_enrollment`
(
    `course_key` String,
    `user_id` Int32,
    `id` Int64,
    `mode` LowCardinality(String),
    `is_active` Bool,
    `created` DateTime64(6, 'UTC'),
    `version` DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (course_key, user_id);

-- 0007_create_learner_tables
ALTER TABLE `oars`.`learner_enrollment` ADD INDEX IF NOT EXISTS id_range id TYPE minmax GRANULARITY 1;

-- 0007_create_learner_tables
CREATE MATERIALIZED VIEW IF NOT EXISTS `oars`.`learner_enrollment_mv`
TO `oars`.`learner_enrollment`
AS SELECT course_key, user_id, toInt64(id) AS id, mode, is_active,
    parseDateTime64BestEffortOrZero(created, 6, 'UTC') AS created,
    parseDateTime64BestEffort(time_last_dumped, 6, 'UTC') AS version
FROM `event_sink`.`course_enrollment`;

-- 0007_create_learner_tables
CREATE TABLE IF NOT EXISTS `oars`.`learner_grade`
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
ENGINE = ReplacingMergeTree(modified)
ORDER BY (course_key, user_id);

-- 0007_create_learner_tables
ALTER TABLE `oars`.`learner_grade` ADD INDEX IF NOT EXISTS id_range id TYPE minmax GRANULARITY 1;

-- 0007_create_learner_tables
CREATE TABLE IF NOT EXISTS `oars`.`learner_passing`
(
    `course_key` String,
    `user_id` Int32,
    `is_passing` Bool,
    `version` DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (course_key, user_id);

-- 0007_create_learner_tables
CREATE TABLE IF NOT EXISTS `oars`.`learner_certificate`
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
ENGINE = ReplacingMergeTree(modified)
ORDER BY (course_key, user_id);

-- 0007_create_learner_tables
ALTER TABLE `oars`.`learner_certificate` ADD INDEX IF NOT EXISTS id_range id TYPE minmax GRANULARITY 1;

-- 0007_create_learner_tables
CREATE TABLE IF NOT EXISTS `oars`.`learner_cohort`
(
    `course_key` String,
    `user_id` Int32,
    `cohort_id` Int64,
    `cohort_name` String,
    `version` DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (course_key, user_id);
