"""The receiver functions named in :data:`oars_platform.signals.RECEIVERS`.

The platform imports one signals module per service; this one gathers the per-domain receivers.
"""

from oars_platform.signals.courses import (
    on_course_catalog_info_changed,
    on_course_deleted,
    on_course_published,
    on_xblock_deleted,
    on_xblock_published,
)
from oars_platform.signals.learners import on_learner_event
from oars_platform.signals.retirement import on_user_retired
from oars_platform.signals.tracking import on_tracking_event_emitted

__all__ = [
    "on_course_catalog_info_changed",
    "on_course_deleted",
    "on_course_published",
    "on_learner_event",
    "on_tracking_event_emitted",
    "on_user_retired",
    "on_xblock_deleted",
    "on_xblock_published",
]
