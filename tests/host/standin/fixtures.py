"""Pytest fixtures for code running on the stand-in host (load with ``-p standin.fixtures`` or ``pytest_plugins``).

* ``store``: the process-wide modulestore, emptied before and after the test;
* ``events``: an :class:`EventLog` of the Open edX events the host emits, in order;
* ``tracking``: a :class:`TrackingCapture` eventtracking backend with the raw events;
* ``published_signals``: the ``course_published`` signals (sender and course key).
"""

from collections.abc import Iterator
from typing import Any

import pytest
from eventtracking import tracker
from openedx_events.content_authoring.signals import (
    COURSE_CATALOG_INFO_CHANGED,
    XBLOCK_CREATED,
    XBLOCK_DELETED,
    XBLOCK_PUBLISHED,
    XBLOCK_UPDATED,
)
from openedx_events.learning.signals import (
    CERTIFICATE_CHANGED,
    CERTIFICATE_CREATED,
    CERTIFICATE_REVOKED,
    COHORT_MEMBERSHIP_CHANGED,
    COURSE_ACCESS_ROLE_ADDED,
    COURSE_ACCESS_ROLE_REMOVED,
    COURSE_ENROLLMENT_CHANGED,
    COURSE_ENROLLMENT_CREATED,
    COURSE_UNENROLLMENT_COMPLETED,
    PERSISTENT_GRADE_SUMMARY_CHANGED,
)
from openedx_events.tooling import OpenEdxPublicSignal
from xmodule.modulestore.django import COURSE_PUBLISHED, modulestore
from xmodule.modulestore.mixed import MixedModuleStore

HOST_SIGNALS: tuple[OpenEdxPublicSignal, ...] = (
    COURSE_ENROLLMENT_CREATED,
    COURSE_ENROLLMENT_CHANGED,
    COURSE_UNENROLLMENT_COMPLETED,
    PERSISTENT_GRADE_SUMMARY_CHANGED,
    CERTIFICATE_CHANGED,
    CERTIFICATE_CREATED,
    CERTIFICATE_REVOKED,
    COHORT_MEMBERSHIP_CHANGED,
    COURSE_ACCESS_ROLE_ADDED,
    COURSE_ACCESS_ROLE_REMOVED,
    XBLOCK_PUBLISHED,
    XBLOCK_DELETED,
    XBLOCK_CREATED,
    XBLOCK_UPDATED,
    COURSE_CATALOG_INFO_CHANGED,
)


class EventLog:
    """Records Open edX events in the order they were sent.

    ``names`` are short names (the second-to-last part of the event type, e.g. ``created``, ``changed``);
    ``types`` are the full event types; ``events`` pairs the short name with the data object.
    """

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []
        self.types: list[str] = []
        self.metadata: list[Any] = []

    def __call__(self, sender: Any, signal: OpenEdxPublicSignal, **kwargs: Any) -> None:
        data = next(value for key, value in kwargs.items() if key not in {"metadata", "from_event_bus"})
        self.events.append((signal.event_type.split(".")[-2], data))
        self.types.append(signal.event_type)
        self.metadata.append(kwargs.get("metadata"))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def of_type(self, signal: OpenEdxPublicSignal) -> list[Any]:
        """The data objects sent on one signal."""
        return [
            data
            for (_, data), event_type in zip(self.events, self.types, strict=True)
            if event_type == signal.event_type
        ]

    def clear(self) -> None:
        self.events.clear()
        self.types.clear()
        self.metadata.clear()


class TrackingCapture:
    """An eventtracking backend that keeps the raw events (``name``, ``timestamp``, ``data``, ``context``)."""

    def __init__(self) -> None:
        self.events: list[dict] = []

    def send(self, event: dict) -> None:
        self.events.append(event)

    def named(self, name: str) -> list[dict]:
        return [event for event in self.events if event["name"] == name]


@pytest.fixture
def events() -> Iterator[EventLog]:
    log = EventLog()
    for signal in HOST_SIGNALS:
        signal.connect(log, weak=False, dispatch_uid=f"standin-eventlog-{signal.event_type}")
    yield log
    for signal in HOST_SIGNALS:
        signal.disconnect(dispatch_uid=f"standin-eventlog-{signal.event_type}")


@pytest.fixture
def tracking() -> Iterator[TrackingCapture]:
    capture = TrackingCapture()
    backends = tracker.get_tracker().backends
    backends["standin_capture"] = capture
    yield capture
    backends.pop("standin_capture", None)


@pytest.fixture
def store() -> Iterator[MixedModuleStore]:
    store = modulestore()
    store.reset()
    yield store
    store.reset()


@pytest.fixture
def published_signals() -> Iterator[list[dict]]:
    received: list[dict] = []

    def on_published(sender: type, course_key: Any, **kwargs: Any) -> None:
        received.append({"sender": sender, "course_key": course_key})

    COURSE_PUBLISHED.connect(on_published, weak=False, dispatch_uid="standin-course-published")
    yield received
    COURSE_PUBLISHED.disconnect(dispatch_uid="standin-course-published")
