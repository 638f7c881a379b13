"""The statement parts every event family shares: id, actor, verb, timestamp, version, context.

Statement ids must stay byte-compatible with ERB (contract §2.1) so that ClickHouse deduplicates a replay of logs ERB
already loaded:

    id = uuid5(uuid5(NAMESPACE_DNS, verb_json), f"{actor_json}-{raw_timestamp}")

`verb_json` and `actor_json` are the exact text tincan's `to_json()` produces (`json.dumps` with default separators,
ASCII escapes, tincan's key order). We write those strings directly instead of going through a serialiser, and cache
the per-verb namespace. Child statements of a multi-question `problem_check` use `f"{verb_json}-{child_id}"` as the
namespace key.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from hashlib import sha1
from typing import Any
from uuid import NAMESPACE_DNS

from oars_platform.xapi import constants as c
from oars_platform.xapi.config import ActorMode
from oars_platform.xapi.results import Reason, TransformFailure

_NAMESPACE_DNS = NAMESPACE_DNS.bytes
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def uuid5_text(namespace: bytes, name: str) -> str:
    """`str(uuid.uuid5(UUID(bytes=namespace), name))` without building UUID objects (it is on the hot path)."""
    hx = sha1(namespace + name.encode("utf-8"), usedforsecurity=False).hexdigest()
    # Version nibble 5; variant: the top two bits of byte 8 become 10, i.e. the hex digit maps to 8, 9, a or b.
    return f"{hx[:8]}-{hx[8:12]}-5{hx[13:16]}-{_VARIANT[hx[16]]}{hx[17:20]}-{hx[20:32]}"


def namespace_for(key: str) -> bytes:
    """`uuid5(NAMESPACE_DNS, key).bytes`: the first step of ERB's id."""
    digest = sha1(_NAMESPACE_DNS + key.encode("utf-8"), usedforsecurity=False).digest()
    raw = bytearray(digest[:16])
    raw[6] = (raw[6] & 0x0F) | 0x50
    raw[8] = (raw[8] & 0x3F) | 0x80
    return bytes(raw)


@dataclass(frozen=True, slots=True)
class Verb:
    """An xAPI verb with its tincan JSON text and cached id namespace."""

    iri: str
    display: str
    as_dict: dict[str, Any] = field(init=False, compare=False, repr=False)
    json_text: str = field(init=False, compare=False, repr=False)
    namespace: bytes = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Precompute once per verb what every statement id needs."""
        text = f'{{"id": {json.dumps(self.iri)}, "display": {{"en": {json.dumps(self.display)}}}}}'
        object.__setattr__(self, "as_dict", {"id": self.iri, "display": {c.EN: self.display}})
        object.__setattr__(self, "json_text", text)
        object.__setattr__(self, "namespace", namespace_for(text))


# Verbs (display keys are `en`, spec §2.3).
REGISTERED = Verb("http://adlnet.gov/expapi/verbs/registered", "registered")
UNREGISTERED = Verb("http://id.tincanapi.com/verb/unregistered", "unregistered")
PASSED = Verb("http://adlnet.gov/expapi/verbs/passed", "passed")
FAILED = Verb("http://adlnet.gov/expapi/verbs/failed", "failed")
EARNED = Verb("http://id.tincanapi.com/verb/earned", "earned")
PROGRESSED = Verb("http://adlnet.gov/expapi/verbs/progressed", "progressed")
EVALUATED = Verb("https://w3id.org/xapi/acrossx/verbs/evaluated", "evaluated")
ATTEMPTED = Verb("http://adlnet.gov/expapi/verbs/attempted", "attempted")
ASKED = Verb("http://adlnet.gov/expapi/verbs/asked", "asked")
COMPLETED = Verb("http://adlnet.gov/expapi/verbs/completed", "completed")
INITIALIZED = Verb("http://adlnet.gov/expapi/verbs/initialized", "initialized")
PLAYED = Verb("https://w3id.org/xapi/video/verbs/played", "played")
PAUSED = Verb("https://w3id.org/xapi/video/verbs/paused", "paused")
TERMINATED = Verb("http://adlnet.gov/expapi/verbs/terminated", "terminated")
SEEKED = Verb("https://w3id.org/xapi/video/verbs/seeked", "seeked")
INTERACTED = Verb("http://adlnet.gov/expapi/verbs/interacted", "interacted")
NAVIGATED = Verb("https://w3id.org/xapi/dod-isd/verbs/navigated", "navigated")
POSTED = Verb("https://w3id.org/xapi/acrossx/verbs/posted", "posted")
EDITED = Verb("https://w3id.org/xapi/acrossx/verbs/edited", "edited")
DELETED = Verb("https://w3id.org/xapi/dod-isd/verbs/deleted", "deleted")
VIEWED = Verb("http://id.tincanapi.com/verb/viewed", "viewed")
VOTED = Verb("https://w3id.org/xapi/openedx/verb/voted", "voted")
REPORTED = Verb("https://w3id.org/xapi/acrossx/verbs/reported", "reported")
UNREPORTED = Verb("https://w3id.org/xapi/openedx/verb/unreported", "unreported")


# -- timestamps ------------------------------------------------------------------------------------------------
class Timestamp:
    """`id_text` goes into the statement id, `text` into `statement.timestamp`, `emission` into ClickHouse."""

    __slots__ = ("emission", "id_text", "text")

    def __init__(self, id_text: str, text: str, emission: datetime) -> None:
        self.id_text = id_text
        self.text = text
        self.emission = emission


def parse_timestamp(raw: Any) -> Timestamp:
    """ERB's timestamp handling (spec §2.4), plus naive timestamps taken as UTC (deliberate difference).

    * Aware ISO string: the id uses the raw text exactly; the statement shows tincan's re-serialisation
      (`datetime.isoformat()`: `Z` becomes `+00:00`, offsets are kept, microseconds as given).
    * datetime (live shape): what eventtracking's `DateTimeJSONEncoder` writes before ERB sees it, i.e. converted to
      UTC and `isoformat()`; that is also the text the tracking log's `time` holds, so both shapes get one id.
    * Naive string or naive datetime: taken as UTC; the id text is then `isoformat()` of that UTC datetime (e.g.
      `2020-07-15T06:52:55.057099+00:00`), the exact text the live path would have produced for the same instant.
      ERB drops these events instead.
    * A space instead of `T`, an offset with seconds, or anything unparsable: `bad_timestamp` (ERB drops them too).
    """
    if isinstance(raw, datetime):
        moment = raw.replace(tzinfo=UTC) if raw.tzinfo is None else raw.astimezone(UTC)
        text = moment.isoformat()
        return Timestamp(text, text, moment)
    if not isinstance(raw, str):
        if raw is None:
            raise TransformFailure(Reason.BAD_TIMESTAMP, "missing timestamp", "timestamp")
        raise TransformFailure(Reason.BAD_TIMESTAMP, f"timestamp is a {type(raw).__name__}", "timestamp")
    if len(raw) > 40 or len(raw) < 19 or raw[10] != "T":
        raise TransformFailure(Reason.BAD_TIMESTAMP, "timestamp is not ISO 8601 date-time", "timestamp")
    try:
        parsed = datetime.fromisoformat(raw)
        if len(raw) == 32 and raw[26:] == "+00:00" and raw[19] == "." and raw[4] == raw[7] == "-":
            # The common case (eventtracking's own output): tincan re-serialises it unchanged.
            return Timestamp(raw, raw, parsed)
        if parsed.tzinfo is None:
            moment = parsed.replace(tzinfo=UTC)
            text = moment.isoformat()
            return Timestamp(text, text, moment)
        offset = parsed.utcoffset()
        if offset is None or offset.seconds % 60 or offset.microseconds:
            raise ValueError("offset with seconds")
        return Timestamp(raw, parsed.isoformat(), parsed.astimezone(UTC))
    except (ValueError, OverflowError):
        raise TransformFailure(Reason.BAD_TIMESTAMP, "unparsable timestamp", "timestamp") from None


# -- actor -----------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Actor:
    """The statement actor and its tincan JSON text (input to the statement id)."""

    as_dict: dict[str, Any]
    json_text: str


def json_string(value: str) -> str:
    """`json.dumps(value)` (ASCII escapes, as tincan), skipping the encoder for plain printable ASCII."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return json.dumps(value)


@lru_cache(maxsize=65536)
def make_actor(mode: ActorMode, value: str, lms_root_url: str) -> Actor:
    """Build the agent for `value` (external id, or email in the mbox modes).

    Key order inside `json_text` is tincan's: objectType first, and `name` before `homePage` in the account.
    Cached (bounded): the same learners come back batch after batch. The returned dicts are shared; read-only.
    """
    if mode is ActorMode.EXTERNAL_ID:
        text = (f'{{"objectType": "Agent", "account": {{"name": {json_string(value)}, '
                f'"homePage": {json_string(lms_root_url)}}}}}')
        return Actor({"objectType": "Agent", "account": {"homePage": lms_root_url, "name": value}}, text)
    mailto = f"mailto:{value}"
    if mode is ActorMode.MBOX:
        text = f'{{"objectType": "Agent", "mbox": {json_string(mailto)}}}'
        return Actor({"objectType": "Agent", "mbox": mailto}, text)
    digest = sha1(mailto.encode("utf-8"), usedforsecurity=False).hexdigest()
    return Actor({"objectType": "Agent", "mbox_sha1sum": digest},
                 f'{{"objectType": "Agent", "mbox_sha1sum": "{digest}"}}')


# -- activities ------------------------------------------------------------------------------------------------
def course_iri(lms_root_url: str, course_id: str) -> str:
    """`{LMS}/course/{course_id}` (ERB `get_object_iri('course', id)`)."""
    return f"{lms_root_url}/course/{course_id}"


def course_parent(lms_root_url: str, course_id: str, display_name: str) -> dict[str, Any]:
    """The course activity used as `contextActivities.parent` (name under `en-US`, spec §2.6)."""
    return {
        "id": course_iri(lms_root_url, course_id),
        "objectType": "Activity",
        "definition": {"name": {c.EN_US: display_name}, "type": c.ACTIVITY_COURSE},
    }


def activity(object_id: str, definition: dict[str, Any], object_type: str = "Activity") -> dict[str, Any]:
    """An activity object in the key order ERB's fixtures use."""
    return {"id": object_id, "objectType": object_type, "definition": definition}


def block_version(course_id: str) -> str:
    """ERB `get_block_version`: `course-v1` → `block-v1`, `ccx-v1` → `ccx-block-v1` (spec §2.8)."""
    prefix = course_id.split(":", 1)[0]
    version = "block-" + prefix.rsplit("-", 1)[-1]
    return "ccx-" + version if "ccx" in prefix else version


def usage_key(course_id: str, block_type: str, block_hex: str) -> str:
    """ERB `make_video_block_id` / problem block ids: `{block_version}:{course part}+type@{type}+block@{hex}`."""
    return f"{_usage_key_stem(course_id)}+type@{block_type}+block@{block_hex}"


@lru_cache(maxsize=4096)
def _usage_key_stem(course_id: str) -> str:
    """`{block_version}:{course part}`, cached: a deployment has few courses and every video event needs it."""
    _, sep, course_part = course_id.partition(":")
    if not sep:
        raise TransformFailure(Reason.INVALID_EVENT, "course_id has no key prefix", "context.course_id")
    return f"{block_version(course_id)}:{course_part}"


_DEFAULT = object()
_NO_ACTOR = Actor({}, "")
_NO_TIMESTAMP = Timestamp("", "", datetime.min.replace(tzinfo=UTC))


class StatementBuilder:
    """Assembly of statements: everything but verb, object, result and extra extensions is fixed here.

    Families call `build()`; they never compute ids, actors, timestamps or the common context themselves. One builder
    serves a whole batch: `bind()` points it at the next event (this avoids an allocation per event on the hot path;
    transforms are synchronous, so nothing sees a half-bound builder).
    """

    __slots__ = ("actor", "course_id", "course_name", "default_activities", "lms", "parent", "session",
                 "timestamp", "version")

    def __init__(self, lms: str, version: str) -> None:
        self.lms = lms
        self.version = version
        self.actor: Actor = _NO_ACTOR
        self.timestamp: Timestamp = _NO_TIMESTAMP
        self.session: Any = None
        self.course_id: str | None = None
        self.course_name: str | None = None
        self.parent: dict[str, Any] | None = None
        self.default_activities: dict[str, Any] | None = None

    def bind(self, actor: Actor, timestamp: Timestamp, session: Any,
             course: tuple[str, str, dict[str, Any], dict[str, Any]] | None) -> None:
        """Point the builder at one event. `course` is (id, display name, parent activity, default activities)."""
        self.actor = actor
        self.timestamp = timestamp
        self.session = session
        if course is None:
            self.course_id = self.course_name = self.parent = self.default_activities = None
        else:
            self.course_id, self.course_name, self.parent, self.default_activities = course

    def build(self, verb: Verb, obj: dict[str, Any], *, result: dict[str, Any] | None = None,
              extensions: dict[str, Any] | None = None, activities: Any = _DEFAULT, child_key: str | None = None,
              statement_ref: str | None = None) -> dict[str, Any]:
        """Assemble one statement.

        `activities`: default is the course parent when the event has a course; None omits contextActivities (ERB's
        enrollment-style events); a dict is used as given. `child_key` switches to the child-statement id namespace.
        """
        namespace = verb.namespace if child_key is None else namespace_for(f"{verb.json_text}-{child_key}")
        statement_id = uuid5_text(namespace, f"{self.actor.json_text}-{self.timestamp.id_text}")
        ext: dict[str, Any] = {c.EXT_TRANSFORMER_VERSION: self.version}
        if self.session is not None:
            ext[c.EXT_SESSION_ID] = self.session
        if extensions:
            ext.update(extensions)
        if activities is _DEFAULT:
            activities = self.default_activities
        if statement_ref is None:
            if activities is None:
                context: dict[str, Any] = {"extensions": ext}
            else:
                context = {"contextActivities": activities, "extensions": ext}
        else:
            context = {} if activities is None else {"contextActivities": activities}
            context["statement"] = {"objectType": "StatementRef", "id": statement_ref}
            context["extensions"] = ext
        statement: dict[str, Any] = {"id": statement_id, "actor": self.actor.as_dict, "verb": verb.as_dict,
                                     "object": obj}
        if result is not None:
            statement["result"] = result
        statement["context"] = context
        statement["timestamp"] = self.timestamp.text
        statement["version"] = c.XAPI_VERSION
        return statement

    def xblock_iri(self, block_id: str) -> str:
        """`{LMS}/xblock/{usage key}`."""
        return f"{self.lms}/xblock/{block_id}"

    def need_course_id(self) -> str:
        """The event's course id, required by this family."""
        if self.course_id is None:
            raise TransformFailure(Reason.MISSING_FIELD, "missing context.course_id", "context.course_id")
        return self.course_id


# -- result helpers --------------------------------------------------------------------------------------------
def number(value: Any, field_name: str) -> int | float | None:
    """A JSON number (not bool, finite), or None; other types make the event invalid."""
    kind = type(value)
    if kind is int or (kind is float and math.isfinite(value)) or value is None:  # exact types: the fast path
        return value
    if kind is float:
        raise TransformFailure(Reason.INVALID_EVENT, f"{field_name} must be finite", field_name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TransformFailure(Reason.INVALID_EVENT, f"{field_name} must be a number", field_name)
    return int(value)  # an int subclass from a live dict: store a plain int


def required_number(value: Any, field_name: str) -> int | float:
    """`number` of a value `Event.need` already found present: never None."""
    checked = number(value, field_name)
    if checked is None:
        raise TransformFailure(Reason.MISSING_FIELD, f"missing {field_name}", field_name)
    return checked


def score(raw: int | float | None, maximum: int | float | None, scaled: int | float | None) -> dict[str, Any]:
    """`result.score` with min 0, omitting absent parts; every part a float, as ERB writes it (`"raw":1.0`).

    ERB builds the score with tincan's `Score`, whose setters store `float(value)`, so an integral grade is written
    `1.0` and the minimum `0.0`; the JSON text, not only the value, is then the same as the reference's.

    xAPI requires min <= raw <= max and -1 <= scaled <= 1; ERB would emit a statement breaking them (e.g. grade above
    max_grade), which an LRS may refuse, so such events are rejected as invalid instead.
    """
    out: dict[str, Any] = {"min": 0.0}
    if maximum is not None:
        if maximum < 0:
            raise TransformFailure(Reason.INVALID_EVENT, "score max below min", "score")
        out["max"] = float(maximum)
    if raw is not None:
        if raw < 0 or (maximum is not None and raw > maximum):
            raise TransformFailure(Reason.INVALID_EVENT, "score raw outside [min, max]", "score")
        out["raw"] = float(raw)
    if scaled is not None:
        if not -1 <= scaled <= 1:
            raise TransformFailure(Reason.INVALID_EVENT, "score scaled outside [-1, 1]", "score")
        out["scaled"] = float(scaled)
    return out


def drop_none(values: dict[str, Any]) -> dict[str, Any]:
    """tincan drops None values from Extensions (an all-None Extensions serialises as `{}`)."""
    return {key: value for key, value in values.items() if value is not None}


def course_object(builder: StatementBuilder, extensions: dict[str, Any] | None) -> dict[str, Any]:
    """The course as statement object (enrollment, pass/fail, course grade): name under `en`, spec §3.2 rows 1-8."""
    course_id = builder.need_course_id()
    definition: dict[str, Any] = {"type": c.ACTIVITY_COURSE}
    if builder.course_name:
        definition["name"] = {c.EN: builder.course_name}
    if extensions is not None:
        definition["extensions"] = extensions
    return activity(course_iri(builder.lms, course_id), definition)
