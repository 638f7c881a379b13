"""Learner signals (enrollment, grade, passing status, certificate, cohort): one receiver and a routing table.

:data:`ROUTES` maps each openedx-events ``event_type`` to the payload keyword, the sinks it refreshes and how to
find the learner (and, for the passing status, the values) in the payload. :func:`on_learner_event` is the one
receiver connected to all of them: it enqueues :func:`~oars_platform.tasks.learners.sync_learner_state` after the
transaction commits, with plain values only. It never raises: openedx-events would log and swallow the error
anyway, and a lost update is repaired by the next event or a backfill.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

PII_SINKS = ("user_profile", "external_id")


def _from_user(data: Any) -> tuple[int, str]:
    """``user: UserData`` and ``course: CourseData`` (enrollment, certificate, cohort, passing status)."""
    return int(data.user.id), str(data.course.course_key)


def _from_user_id(data: Any) -> tuple[int, str]:
    """``user_id: int`` and ``course: CourseData`` (persistent grade)."""
    return int(data.user_id), str(data.course.course_key)


def _from_ccx_user(data: Any) -> tuple[int, str]:
    """``user: UserData`` and ``course: CcxCourseData`` (the CCX passing status): the CCX's own course key."""
    return int(data.user.id), str(data.course.ccx_course_key)


def _passing_values(data: Any, metadata: Any) -> dict[str, Any]:
    """The status and the event's time (its version); the platform keeps no table for it."""
    time = getattr(metadata, "time", None) or dt.datetime.now(dt.UTC)
    return {"is_passing": bool(data.is_passing), "time": time.isoformat()}


@dataclass(frozen=True)
class Route:
    """What one learner signal refreshes."""

    kwarg: str
    sinks: tuple[str, ...]
    learner: Callable[[Any], tuple[int, str]] = _from_user
    values: Callable[[Any, Any], dict[str, Any]] | None = None


_ENROLLMENT = "org.openedx.learning.course.enrollment"
_CERTIFICATE = "org.openedx.learning.certificate"

ROUTES: dict[str, Route] = {
    # A new enrollment also refreshes the learner's profile and external id (PII sinks: only when enabled).
    f"{_ENROLLMENT}.created.v1": Route("enrollment", ("course_enrollment", *PII_SINKS)),
    f"{_ENROLLMENT}.changed.v1": Route("enrollment", ("course_enrollment",)),
    "org.openedx.learning.course.unenrollment.completed.v1": Route("enrollment", ("course_enrollment",)),
    "org.openedx.learning.course.persistent_grade_summary.changed.v1": Route(
        "grade", ("persistent_course_grade",), learner=_from_user_id
    ),
    "org.openedx.learning.course.passing.status.updated.v1": Route(
        "course_passing_status", ("course_passing_status",), values=_passing_values
    ),
    # Sent instead of the above when the course key is a CCX's (the platform's emit_course_passing_status_update).
    "org.openedx.learning.ccx.course.passing.status.updated.v1": Route(
        "course_passing_status", ("course_passing_status",), learner=_from_ccx_user, values=_passing_values
    ),
    f"{_CERTIFICATE}.created.v1": Route("certificate", ("generated_certificate",)),
    f"{_CERTIFICATE}.changed.v1": Route("certificate", ("generated_certificate",)),
    f"{_CERTIFICATE}.revoked.v1": Route("certificate", ("generated_certificate",)),
    "org.openedx.learning.cohort_membership.changed.v1": Route("cohort", ("cohort_membership",)),
}

#: Import paths of the signals routed above (for :data:`oars_platform.signals.RECEIVERS`).
LEARNER_SIGNALS = (
    "openedx_events.learning.signals.COURSE_ENROLLMENT_CREATED",
    "openedx_events.learning.signals.COURSE_ENROLLMENT_CHANGED",
    "openedx_events.learning.signals.COURSE_UNENROLLMENT_COMPLETED",
    "openedx_events.learning.signals.PERSISTENT_GRADE_SUMMARY_CHANGED",
    "openedx_events.learning.signals.COURSE_PASSING_STATUS_UPDATED",
    "openedx_events.learning.signals.CCX_COURSE_PASSING_STATUS_UPDATED",
    "openedx_events.learning.signals.CERTIFICATE_CREATED",
    "openedx_events.learning.signals.CERTIFICATE_CHANGED",
    "openedx_events.learning.signals.CERTIFICATE_REVOKED",
    "openedx_events.learning.signals.COHORT_MEMBERSHIP_CHANGED",
)


def on_learner_event(sender: Any = None, signal: Any = None, metadata: Any = None, **kwargs: Any) -> None:
    """Enqueue, after commit, the refresh of the sinks this signal's route names; never raise."""
    from oars_platform.conf import get_config
    from oars_platform.privacy import scrub_text
    from oars_platform.tasks.base import enqueue_on_commit
    from oars_platform.tasks.learners import sync_learner_state

    try:
        route = ROUTES.get(getattr(signal, "event_type", ""))
        data = kwargs.get(route.kwarg) if route else None
        if route is None or data is None:
            return
        pii = get_config().pii_enabled
        sinks = [name for name in route.sinks if pii or name not in PII_SINKS]
        user_id, course_key = route.learner(data)
        values = route.values(data, metadata) if route.values else None
        enqueue_on_commit(sync_learner_state, sinks, user_id, course_key, values)
    except Exception as exc:  # a receiver error must never break the platform's request
        log.error("oars: could not enqueue a learner update for %s (%s: %s)", getattr(signal, "event_type", "?"),
                  type(exc).__name__, scrub_text(str(exc)))
