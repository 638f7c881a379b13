"""A compact ``TrackMiddleware``: request context for every event, and one page-view server event per request.

As in the platform (§5.1, §5.3): the ``edx.request`` context holds session (a shake_128 digest, never the raw
session key), user, client and course fields; the page-view event's type is the URL path and its data a JSON string
of GET/POST, passwords masked, cut at 512 characters. Ignored paths (``TRACKING_IGNORE_URL_PATTERNS``) emit nothing.
"""

import hashlib
import json
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from eventtracking import tracker
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey

from .contexts import course_context_from_course_id
from .views import server_track

CONTEXT_NAME = "edx.request"
COURSE_ID_PATTERN = re.compile(r"(?P<course_id>course-v1:[^/+]+(\+[^/+]+)+)")
MAX_EVENT_LENGTH = 512


class TrackMiddleware:
    """Enter the request context for the whole request; emit the page view before the view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        context = self.request_context(request)
        with tracker.get_tracker().context(CONTEXT_NAME, context):
            if not self._ignored(request.path_info):
                server_track(request, request.path_info, self._page_view_data(request))
            return self.get_response(request)

    @staticmethod
    def _ignored(path: str) -> bool:
        return any(re.match(pattern, path) for pattern in getattr(settings, "TRACKING_IGNORE_URL_PATTERNS", []))

    @staticmethod
    def _page_view_data(request: HttpRequest) -> str:
        def masked(query: dict) -> dict:
            return {key: "********" if "password" in key else value for key, value in query.items()}

        data = json.dumps({"GET": masked(dict(request.GET)), "POST": masked(dict(request.POST))})
        return data[:MAX_EVENT_LENGTH]

    @staticmethod
    def request_context(request: HttpRequest) -> dict[str, object]:
        """The ``edx.request`` context fields, in the platform's order."""
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        session = getattr(request, "session", None)
        session_key = session.session_key if session is not None else None
        session_digest = ""
        if session_key:
            session_digest = hashlib.shake_128((settings.SECRET_KEY + session_key).encode()).hexdigest(16)
        context: dict[str, object] = {
            "session": session_digest,
            "user_id": user.pk if authenticated else None,
            "username": user.username if authenticated else "",
            "ip": request.META.get("REMOTE_ADDR", ""),
            "host": request.META.get("SERVER_NAME", ""),
            "agent": request.META.get("HTTP_USER_AGENT", ""),
            "path": request.META.get("PATH_INFO", ""),
            "referer": request.META.get("HTTP_REFERER", ""),
            "accept_language": request.META.get("HTTP_ACCEPT_LANGUAGE", ""),
            "client_id": None,
        }
        match = COURSE_ID_PATTERN.search(request.path_info)
        course_key = None
        if match:
            try:
                course_key = CourseKey.from_string(match.group("course_id"))
            except InvalidKeyError:
                course_key = None
        context.update(course_context_from_course_id(course_key))
        return context
