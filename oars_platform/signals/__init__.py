"""Signal receivers: thin functions that check, filter and enqueue; nothing here talks to ClickHouse.

:data:`RECEIVERS` is the one table of what we listen to. ``apps.py`` turns it into the ``signals_config`` of
``plugin_app``, so the platform's plugin machinery connects exactly these, in the LMS, in Studio or both. The
platform loads one signals module per service, so :mod:`oars_platform.signals.receivers` gathers the functions
from the per-domain modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from oars_platform.platform.retirement import USER_RETIRE_LMS_MISC
from oars_platform.signals.learners import LEARNER_SIGNALS

LMS = "lms.djangoapp"
CMS = "cms.djangoapp"


@dataclass(frozen=True)
class Receiver:
    """One receiver: its function's name in :mod:`oars_platform.signals.receivers`, the signal, the services."""

    function: str
    signal_path: str
    projects: tuple[str, ...] = (LMS, CMS)


RECEIVERS: tuple[Receiver, ...] = (
    # Tracking events through openedx-events (the event-bus path), in every service that emits them.
    Receiver("on_tracking_event_emitted", "openedx_events.analytics.signals.TRACKING_EVENT_EMITTED"),
    # Learner data (enrollment, grade, passing, certificate, cohort): one receiver, routed by event type; LMS only.
    *(Receiver("on_learner_event", path, (LMS,)) for path in LEARNER_SIGNALS),
    # Course structure (signals/courses.py). They fire where content is written (Studio); openedx-events also reach
    # whichever service consumes them from the event bus, so both services listen, and the debounce coalesces.
    Receiver("on_course_published", "xmodule.modulestore.django.COURSE_PUBLISHED"),
    Receiver("on_course_deleted", "xmodule.modulestore.django.COURSE_DELETED"),
    Receiver(
        "on_course_catalog_info_changed", "openedx_events.content_authoring.signals.COURSE_CATALOG_INFO_CHANGED"
    ),
    Receiver("on_xblock_published", "openedx_events.content_authoring.signals.XBLOCK_PUBLISHED"),
    Receiver("on_xblock_deleted", "openedx_events.content_authoring.signals.XBLOCK_DELETED"),
    # User retirement (signals/retirement.py): the platform's retirement pipeline runs in the LMS.
    Receiver("on_user_retired", USER_RETIRE_LMS_MISC, (LMS,)),
)
