"""User and course lookups, resolved in bulk once per batch (style: "look up first, then transform").

The transform never touches a database. The caller supplies two bulk fetch callables, typically backed by the LMS
ORM; `CachedLookups` puts bounded TTL caches in front of them so that hot users and courses cost nothing, while a
course renamed in Studio shows its new name after at most `course_ttl` seconds (ERB caches per process forever).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Protocol

from cachetools import TTLCache

from oars_platform.xapi.config import ActorMode

UserRef = int | str
FetchActors = Callable[[set[UserRef], str], dict[UserRef, str]]
FetchCourseNames = Callable[[set[str]], dict[str, str]]


class Lookups(Protocol):
    """What `transform_batch` needs: one bulk call per batch for users and one for courses."""

    def actors(self, refs: set[UserRef], mode: ActorMode) -> dict[UserRef, str]:
        """External id (or email in the mbox modes) per user id or username; unknown users are left out."""
        ...

    def course_names(self, course_ids: set[str]) -> dict[str, str]:
        """Display name per course id; unknown courses are left out."""
        ...


class CachedLookups:
    """`Lookups` over two bulk fetchers, each behind a `cachetools.TTLCache`.

    `fetch_actors(refs, mode)` gets user ids (int) and usernames (str) and returns the external id, or the email for
    the `mbox`/`mbox_sha1sum` modes. `fetch_course_names(course_ids)` returns display names. Only cache misses are
    fetched, in one call per batch; misses the fetcher does not answer are not cached (a user created a second ago
    must resolve on the next batch). `timer` is injectable for tests.

    Thread-safe: cachetools caches are not, so cache reads and writes hold a lock; the fetch calls do not.
    """

    def __init__(self, fetch_actors: FetchActors, fetch_course_names: FetchCourseNames, *,
                 actor_maxsize: int = 100_000, actor_ttl: float = 3600.0,
                 course_maxsize: int = 10_000, course_ttl: float = 300.0,
                 timer: Callable[[], float] = time.monotonic) -> None:
        self._fetch_actors = fetch_actors
        self._fetch_course_names = fetch_course_names
        self._actor_cache_args = (actor_maxsize, actor_ttl, timer)
        self._actors: dict[str, TTLCache[UserRef, str]] = {}  # one cache per actor mode (ids vs emails)
        self._courses: TTLCache[str, str] = TTLCache(course_maxsize, course_ttl, timer=timer)
        self._lock = threading.Lock()

    def actors(self, refs: set[UserRef], mode: ActorMode) -> dict[UserRef, str]:
        """Resolve `refs`, fetching only those not cached for this mode."""
        mode_key = str(mode)
        with self._lock:
            cache = self._actors.get(mode_key)
            if cache is None:
                maxsize, ttl, timer = self._actor_cache_args
                cache = self._actors[mode_key] = TTLCache(maxsize, ttl, timer=timer)
            found, misses = _split(cache, refs)
        if misses:
            fetched = {ref: value for ref, value in self._fetch_actors(set(misses), mode_key).items()
                       if isinstance(value, str) and value}
            with self._lock:
                cache.update(fetched)
            found.update(fetched)
        return found

    def forget_users(self, refs: Iterable[UserRef]) -> int:
        """Drop what is cached for these users (ids or usernames) in every mode; returns the entries dropped.

        Retirement calls it: in the mbox modes the cached value is an email, and a username is a key. Entries of
        another reference to the same user (an id when the username was given, or the reverse) are found by value.
        """
        wanted = {str(ref) for ref in refs}
        dropped = 0
        with self._lock:
            for cache in self._actors.values():
                keys = list(cache)
                values = {cache.get(key) for key in keys if str(key) in wanted} - {None}
                for key in keys:
                    if (str(key) in wanted or cache.get(key) in values) and cache.pop(key, None) is not None:
                        dropped += 1
        return dropped

    def course_names(self, course_ids: set[str]) -> dict[str, str]:
        """Resolve `course_ids`, fetching only those not cached."""
        with self._lock:
            found, misses = _split(self._courses, course_ids)
        if misses:
            fetched = {course_id: name for course_id, name in self._fetch_course_names(set(misses)).items()
                       if isinstance(name, str)}
            with self._lock:
                self._courses.update(fetched)
            found.update(fetched)
        return found


def _split[K](cache: TTLCache[K, str], keys: Iterable[K]) -> tuple[dict[K, str], list[K]]:
    found: dict[K, str] = {}
    misses: list[K] = []
    with cache.timer:  # one clock reading for the whole batch instead of one per key
        for key in keys:
            try:
                found[key] = cache[key]
            except KeyError:
                misses.append(key)
    return found, misses
