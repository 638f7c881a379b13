"""IRIs and fixed strings of the xAPI statements we emit.

Every value here is copied from event-routing-backends (ERB) 10.0.0 as described in shared/spec/xapi.md. They are part
of the output contract (rule 1: parity), so a typo here is a data bug: change them only together with the fixtures.
"""

XAPI_VERSION = "1.0.3"

# Context extensions common to every statement (note ERB's singular/plural inconsistency: both are exact).
EXT_TRANSFORMER_VERSION = "https://w3id.org/xapi/openedx/extension/transformer-version"
EXT_SESSION_ID = "https://w3id.org/xapi/openedx/extensions/session-id"

# Activity types.
ACTIVITY_COURSE = "http://adlnet.gov/expapi/activities/course"
ACTIVITY_RESOURCE = "http://id.tincanapi.com/activitytype/resource"
ACTIVITY_INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
ACTIVITY_QUESTION = "http://adlnet.gov/expapi/activities/question"
ACTIVITY_SOLUTION = "http://id.tincanapi.com/activitytype/solution"
ACTIVITY_SUPPLEMENTAL_INFO = "https://w3id.org/xapi/acrossx/extensions/supplemental-info"
ACTIVITY_VIDEO = "https://w3id.org/xapi/video/activity-type/video"
ACTIVITY_LINK = "http://adlnet.gov/expapi/activities/link"
ACTIVITY_MODULE = "http://adlnet.gov/expapi/activities/module"
ACTIVITY_DISCUSSION = "http://id.tincanapi.com/activitytype/discussion"
ACTIVITY_ATTEMPT = "http://adlnet.gov/expapi/activities/attempt"
ACTIVITY_PAGE = "http://activitystrea.ms/schema/1.0/page"
ACTIVITY_EXAM_PREFIX = "https://w3id.org/xapi/openedx/activity/"

# Extensions used by several families.
EXT_ACROSSX_TYPE = "https://w3id.org/xapi/acrossx/extensions/type"
EXT_ATTEMPT_ID = "http://id.tincanapi.com/extension/attempt-id"
EXT_GRADE_CLASSIFICATION = "http://www.tincanapi.co.uk/activitytypes/grade_classification"
EXT_PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"
EXT_VIDEO_LENGTH = "https://w3id.org/xapi/video/extensions/length"
EXT_VIDEO_TIME = "https://w3id.org/xapi/video/extensions/time"
EXT_VIDEO_TIME_FROM = "https://w3id.org/xapi/video/extensions/time-from"
EXT_VIDEO_TIME_TO = "https://w3id.org/xapi/video/extensions/time-to"
EXT_VIDEO_CC_ENABLED = "https://w3id.org/xapi/video/extensions/cc-enabled"
EXT_VIDEO_CC_LANG = "https://w3id.org/xapi/video/extensions/cc-subtitle-lang"
EXT_SPEED_FROM = "https://w3id.org/xapi/openedx/extension/speed-from"
EXT_SPEED_TO = "https://w3id.org/xapi/openedx/extension/speed-to"
EXT_TOTAL_ITEMS = "https://w3id.org/xapi/acrossx/extensions/total-items"
EXT_STARTING_POSITION = "http://id.tincanapi.com/extension/starting-position"
EXT_ENDING_POINT = "http://id.tincanapi.com/extension/ending-point"
EXT_TIME_LIMIT = "https://w3id.org/xapi/acrossx/extensions/time-limit"
EXT_ATTEMPT_STARTED = "https://w3id.org/xapi/openedx/extension/attempt-started"
EXT_ATTEMPT_COMPLETED = "https://w3id.org/xapi/openedx/extension/attempt-completed"
EXT_DURATION = "http://id.tincanapi.com/extension/duration"

# Language-map keys: ERB mixes them (spec §2.7); each use site names the one ERB uses there.
EN = "en"
EN_US = "en-US"
