"""``server_track`` and ``task_track``: how the platform emits server-side legacy events (§5.1, §5.3)."""

from typing import Any

from django.http import HttpRequest
from eventtracking import tracker


def server_track(request: HttpRequest, event_type: str, event: Any, page: str | None = None) -> None:
    """Emit ``event_type`` with the request's context plus ``username``, ``event_source='server'`` and ``page``."""
    user = getattr(request, "user", None)
    username = user.username if user is not None and user.is_authenticated else ""
    context_override = {"username": username, "event_source": "server", "page": page}
    with tracker.get_tracker().context("edx.server", context_override):
        tracker.emit(event_type, event)


def task_track(request_info: dict[str, Any], task_info: dict[str, Any], event_type: str, event: dict) -> None:
    """Emit an event from a background task (``event_source='task'``), with the originating request's fields."""
    data = {**event, **task_info}
    context_override = {**request_info, "event_source": "task", "page": None}
    with tracker.get_tracker().context("edx.task", context_override):
        tracker.emit(event_type, data)
