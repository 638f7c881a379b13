"""The public entry point: a batch of tracking events in, statements and rejections out.

Three passes over the batch:
1. normalise each input, find its transformer, parse its timestamp and collect its user reference and course id;
2. resolve all users and all courses with one bulk lookup each;
3. build the statements of each event, turning every failure into a `Rejection` (contract rule 5).
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import orjson

# Importing the family modules registers their transformers.
from oars_platform.xapi import (  # noqa: F401
    completion,
    enrollment,
    exam,
    forum,
    grading,
    navigation,
    problem,
    video,
)
from oars_platform.xapi.common import Actor, StatementBuilder, course_parent, make_actor, parse_timestamp
from oars_platform.xapi.config import ActorMode, TransformConfig
from oars_platform.xapi.inputs import USER_FIELDS, Event, normalize, present, raw_text
from oars_platform.xapi.iri import is_iri_component
from oars_platform.xapi.lookups import Lookups, UserRef
from oars_platform.xapi.page_view import is_page_view, transform_page_view
from oars_platform.xapi.registry import REGISTRY, Registry, Transformer
from oars_platform.xapi.results import (
    BatchResult,
    Reason,
    Rejection,
    TransformedStatement,
    TransformFailure,
)

#: Emission times outside [EARLIEST, now + CLOCK_SKEW] are `bad_timestamp`: nothing real is older than the epoch
#: (the floor of ClickHouse's DateTime and Date, which reports use), and an event from the future is a broken clock
#: or a forgery; either would also scatter monthly partitions and poison date-based reports.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(days=1)
_INT64 = 2**63
MAX_USERNAME = 150


def supported_events() -> list[str]:
    """Every event name we transform, sorted. Page views (names under `/courses/`) come on top when enabled."""
    return sorted(REGISTRY.names())


class EventSelection(Protocol):
    """The two settings that choose which event names are transformed (a TransformConfig, or the site's config)."""

    @property
    def enabled_events(self) -> frozenset[str] | None: ...

    @property
    def page_views_enabled(self) -> bool: ...


def choose_transformer(name: str, selection: EventSelection, registry: Registry = REGISTRY
                       ) -> Transformer | tuple[Reason, str]:
    """The transformer for this event name, or why it is refused.

    The one rule, for the transform itself and for the callers that drop events early (the request path's
    backend, the tracking-log replay).
    """
    transformer = registry.get(name)
    if transformer is None:
        if not is_page_view(name):
            return Reason.UNKNOWN_EVENT, "no transformer for this event name"
        if not selection.page_views_enabled:
            return Reason.DISABLED_EVENT, "page views are disabled"
        return transform_page_view
    if selection.enabled_events is not None and name not in selection.enabled_events:
        return Reason.DISABLED_EVENT, "event disabled by configuration"
    return transformer


def takes_event(name: object, selection: EventSelection) -> bool:
    """True when the transform would take an event of this name (anything but a string is refused)."""
    return isinstance(name, str) and not isinstance(choose_transformer(name, selection), tuple)


def user_reference(event: Event) -> UserRef | None:
    """ERB's rule: first non-empty of data.user_id, data.username, user_id, username (top level, then context).

    Ints and digit-only strings are user ids, other strings usernames (so a username made only of digits is read as
    an id, where ERB would try the username after a failed id lookup).
    """
    for place, name in USER_FIELDS:
        ref = getattr(event, place).get(name)
        if ref:
            break
    else:
        return None
    if isinstance(ref, int) and not isinstance(ref, bool):
        if not -_INT64 <= ref < _INT64:  # no database holds it, and some refuse the query (a poisoned lookup)
            raise TransformFailure(Reason.INVALID_EVENT, "user id out of the 64-bit range", "user_id")
        return ref
    if isinstance(ref, str):
        if ref.isascii() and ref.isdigit() and len(ref) < 19:
            return int(ref)
        if len(ref) > MAX_USERNAME or "\x00" in ref:  # not a possible username (Django: 150 characters)
            raise TransformFailure(Reason.INVALID_EVENT, "user reference is not a possible username", "user_id")
        return ref
    raise TransformFailure(Reason.INVALID_EVENT, f"user reference is a {type(ref).__name__}", "user_id")


def transform_batch(events: Iterable[Any], config: TransformConfig, lookups: Lookups, *,
                    registry: Registry = REGISTRY) -> BatchResult:
    """Transform a batch of events of any accepted shape (see `inputs.normalize`). Never raises for bad input.

    `lookups` is asked at most once for users and once for courses. `registry` is for tests and extensions; the
    default holds every supported event.
    """
    with _cyclic_gc_paused():
        return _transform_batch(events, config, lookups, registry)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Keep Python's cyclic garbage collector out of a batch.

    A batch allocates tens of thousands of small dicts and lists (parsed events, statements) that form no reference
    cycles and die by reference counting, yet each allocation counts towards the collector's thresholds: it ran
    dozens of times per batch and cost 10-15% of the transform (benchmarks/bench_transform.py). Pausing it for the
    batch loses nothing (cycles created meanwhile are found by the next collection). The previous state is restored,
    so a caller that disabled the collector keeps it disabled; two threads overlapping here can at worst leave it
    enabled early, never disabled.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _transform_batch(events: Iterable[Any], config: TransformConfig, lookups: Lookups, registry: Registry
                     ) -> BatchResult:
    result = BatchResult()
    rejections = result.rejections
    known_courses: set[str] = set()
    pending: list[Event] = []
    refs: set[UserRef] = set()
    course_ids: set[str] = set()
    latest = datetime.now(UTC) + CLOCK_SKEW
    for item in events:
        prepared = _prepare(item, config, known_courses, registry, latest)
        if isinstance(prepared, Rejection):
            rejections.append(prepared)
            continue
        pending.append(prepared)
        refs.add(prepared.ref)
        if prepared.course_id is not None:
            course_ids.add(prepared.course_id)
    if not pending:
        return result

    try:
        actor_values = lookups.actors(refs, config.actor_mode) if refs else {}
        course_names = lookups.course_names(course_ids) if course_ids else {}
    except Exception as exc:
        # A failing lookup must not fail the batch (rule 5): every event is rejected as replayable.
        detail = f"lookup raised {type(exc).__name__}"
        rejections.extend(_rejection(event, Reason.LOOKUP_FAILED, detail) for event in pending)
        return result

    emitter = _Emitter(config, actor_values, course_names)
    statements = result.statements
    for event in pending:
        outcome = emitter.emit(event)
        if isinstance(outcome, Rejection):
            rejections.append(outcome)
        else:
            statements.extend(outcome)
    return result


class _Emitter:
    """Pass 3: builds the statements of each event, reusing actors and course activities within the batch."""

    def __init__(self, config: TransformConfig, actor_values: dict[UserRef, str], course_names: dict[str, str]
                 ) -> None:
        self.config = config
        self.actor_values = actor_values
        self.course_names = course_names
        self.actors: dict[UserRef, Actor] = {}
        self.courses: dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]] = {}
        self.builder = StatementBuilder(config.lms_root_url, config.transformer_version)

    def emit(self, event: Event) -> list[TransformedStatement] | Rejection:
        """Statements for one event, or its rejection."""
        actor = self.actors.get(event.ref)
        if actor is None:
            value = self.actor_values.get(event.ref)
            if not isinstance(value, str) or not value:
                return _rejection(event, Reason.UNKNOWN_USER, "user not found", "user_id")
            if self.config.actor_mode is not ActorMode.EXTERNAL_ID and _EMAIL.fullmatch(value) is None:
                return _rejection(event, Reason.UNKNOWN_USER, "user has no usable email address", "user_id")
            actor = self.actors[event.ref] = make_actor(self.config.actor_mode, value, self.config.lms_root_url)
        course = None
        course_id = event.course_id
        if course_id is not None:
            course = self.courses.get(course_id)
            if course is None:
                name = self.course_names.get(course_id)
                if name is None:
                    return _rejection(event, Reason.UNKNOWN_COURSE, "course not found", "context.course_id")
                parent = course_parent(self.config.lms_root_url, course_id, name)
                course = self.courses[course_id] = (course_id, name, parent, {"parent": [parent]})
        builder = self.builder
        builder.bind(actor, event.when, event.field("session"), course)
        try:
            emission = event.when.emission
            name = event.name
            return [TransformedStatement(s["id"], emission, name, s, _dumps(s).decode())
                    for s in event.transformer(event, builder)]
        except TransformFailure as failure:
            return _rejection(event, failure.reason, failure.detail, failure.field)
        except (orjson.JSONEncodeError, RecursionError) as unserialisable:
            return _rejection(event, Reason.INVALID_EVENT, f"not serialisable ({type(unserialisable).__name__})")
        except Exception as bug:
            # Rule 5: an unexpected bug rejects this event (reason transform_error), never the batch.
            return _rejection(event, Reason.TRANSFORM_ERROR, type(bug).__name__)


_dumps = orjson.dumps
_EMAIL = re.compile(r"[^\s@\x00-\x1f\x7f]+@[^\s@\x00-\x1f\x7f]+")


def _prepare(item: Any, config: TransformConfig, known_courses: set[str], registry: Registry, latest: datetime
             ) -> Event | Rejection:
    """Pass 1 for one input: normalise, pick the transformer, parse the timestamp, find user and course."""
    event = normalize(item, config.max_event_bytes)
    if isinstance(event, Rejection):
        return event
    transformer = choose_transformer(event.name, config, registry)
    if isinstance(transformer, tuple):
        return _rejection(event, *transformer)
    try:
        timestamp = parse_timestamp(event.timestamp)
        if not EARLIEST <= timestamp.emission <= latest:
            return _rejection(event, Reason.BAD_TIMESTAMP, "timestamp before 1970 or in the future", "timestamp")
        ref = user_reference(event)
        if ref is None:
            return _rejection(event, Reason.UNKNOWN_USER, "anonymous event (no user id or username)", "user_id")
        course_id = present(event.context.get("course_id"))
        if course_id is not None and (type(course_id) is not str or course_id not in known_courses):
            if not is_iri_component(course_id):
                return _rejection(event, Reason.INVALID_EVENT, "context.course_id is not a course key",
                                  "context.course_id")
            known_courses.add(course_id)
    except TransformFailure as exc:
        return _rejection(event, exc.reason, exc.detail, exc.field)
    event.transformer = transformer
    event.when = timestamp
    event.ref = ref
    event.course_id = course_id
    return event


def _rejection(event: Event, reason: Reason, detail: str, field: str | None = None) -> Rejection:
    return Rejection(reason, detail, event.name, raw_text(event.source), field)
