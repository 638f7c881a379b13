"""Tiny transcriptions of the platform's ``common/djangoapps/track/shim.py`` processors (§5.2).

They only matter for the nested ``tracking_logs`` backend; the plugin's own top-level backend sees the raw
event. They are reproduced so that ``tracking.log`` lines written during tests look like the platform's.
"""

import json
from typing import Any

CONTEXT_FIELDS_TO_INCLUDE = ["username", "session", "ip", "agent", "host", "referer", "accept_language"]

Event = dict[str, Any]


def remove_shim_context(event: Event) -> None:
    """Drop the context fields that the legacy format moves to the top level, plus ``client_id``."""
    context = event.get("context", {})
    for field in [*CONTEXT_FIELDS_TO_INCLUDE, "client_id"]:
        context.pop(field, None)


class LegacyFieldMappingProcessor:
    """Rewrite an eventtracking event into the legacy tracking.log shape (name is kept)."""

    def __call__(self, event: Event) -> None:
        context = event.get("context", {})
        if "context" in event:
            for field in CONTEXT_FIELDS_TO_INCLUDE:
                self._move_from_context(field, event)
            remove_shim_context(event)

        if "data" in event:
            data = event.pop("data")
            is_browser = context.get("event_source", "") == "browser"
            event["event"] = json.dumps(data) if is_browser and isinstance(data, dict) else data
        else:
            event["event"] = {}

        if "timestamp" in context:
            event["time"] = context.pop("timestamp")
        elif "timestamp" in event:
            event["time"] = event["timestamp"]
        event.pop("timestamp", None)

        self._move_from_context("event_type", event, event.get("name", ""))
        self._move_from_context("event_source", event, "server")
        self._move_from_context("page", event, None)

    @staticmethod
    def _move_from_context(field: str, event: Event, default_value: Any = "") -> None:
        context = event.get("context", {})
        event[field] = context.pop(field) if field in context else default_value


class PrefixedEventProcessor:
    """Minimal stand-in: make sure namespaced (``edx.``-style) events carry their name as ``event_type``."""

    def __call__(self, event: Event) -> None:
        name = event.get("name", "")
        if "." in name and not event.get("event_type"):
            event["event_type"] = name


class GoogleAnalyticsProcessor:
    """Copy of the platform's segment processor: label events with their course id."""

    def __call__(self, event: Event) -> Event:
        copied = event.copy()
        course_id = event.get("context", {}).get("course_id")
        if course_id is not None:
            copied["label"] = course_id
        copied["nonInteraction"] = 1
        return copied
