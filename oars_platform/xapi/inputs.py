"""One normalisation for every input shape (contract §1.1), and a read-only view the transformers use.

Shapes accepted by `normalize`:

* the live eventtracking dict `{name, timestamp, context, data}` (timestamp a datetime or an ISO string);
* a tracking.log line, as a dict or as str/bytes, optionally behind a syslog/logging prefix (ERB's replay regex
  `^.*?(\\{.*\\})\\s*$`): `event` (dict or JSON text) becomes `data` and is kept; a string that is not JSON text
  (browser `problem_check` logs its URL-encoded form) stays a string; `time` stands in for a missing `timestamp`;
* the `TRACKING_EVENT_EMITTED` signal payload, via `from_tracking_signal`.

Field lookup replaces ERB's recursive `find_nested` with a fixed order: top level, then `context`. That order finds
the same value in both shapes, because the tracking-log writer moves `session`, `username`, `event_source`,
`referer`... from `context` to the top level, while live events keep them in `context`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from oars_platform.xapi.iri import is_iri_component
from oars_platform.xapi.results import Reason, Rejection, TransformFailure, invalid, missing

_EMPTY: dict[str, Any] = {}


def present(value: Any) -> Any:
    """ERB's `get_data` rule: falsy values other than 0 count as absent (``""``, ``[]``, ``{}``, ``False``)."""
    if value is None or value is False:
        return None
    if value or value == 0:
        return value
    return None


#: ERB's order of the fields that name the learner (spec §1.2): the first non-empty one is the learner. ``data`` is
#: the event's payload (``data``, or a tracking-log line's ``event``), ``top`` the event itself, ``context`` its
#: context. The transform reads it, and so does the scrubber, which keeps a username only where it names the learner.
USER_FIELDS: tuple[tuple[str, str], ...] = (
    ("data", "user_id"), ("data", "username"), ("top", "user_id"), ("context", "user_id"),
    ("top", "username"), ("context", "username"),
)


class Event:
    """A normalised tracking event. Transformers read it through the small accessors below, nothing else."""

    __slots__ = ("context", "course_id", "data", "name", "raw_data", "ref", "source", "timestamp", "top",
                 "transformer", "when")

    def __init__(self, top: dict[str, Any], name: str, source: Any) -> None:
        self.top = top
        self.name = name
        self.source = source
        context = top.get("context")
        self.context: dict[str, Any] = context if isinstance(context, dict) else _EMPTY
        self.raw_data: Any = top.get("data")
        self.data: dict[str, Any] = self.raw_data if isinstance(self.raw_data, dict) else _EMPTY
        ts = top.get("timestamp")
        self.timestamp: Any = ts if ts is not None else top.get("time")
        # Filled by the batch pipeline's first pass: transformer, parsed timestamp, user reference, course id.
        self.transformer: Any = None
        self.when: Any = None
        self.ref: Any = None
        self.course_id: str | None = None

    # -- generic accessors -------------------------------------------------------------------------------------
    def get(self, key: str) -> Any:
        """`data.<key>`, or None if absent/falsy (0 is kept)."""
        value = self.data.get(key)
        if value:  # fast path; `present` only decides about falsy values
            return value
        return present(value)

    def need(self, key: str) -> Any:
        """`data.<key>`, required."""
        value = present(self.data.get(key))
        if value is None:
            raise missing(f"data.{key}")
        return value

    def field(self, key: str) -> Any:
        """A top-level field, else the same key in `context` (session, event_source, referer, username...)."""
        value = self.top.get(key)
        if value:
            return value
        value = self.context.get(key)
        return value if value else present(value)

    def ctx(self, key: str) -> Any:
        """`context.<key>`, or None."""
        return present(self.context.get(key))

    # -- typed accessors ---------------------------------------------------------------------------------------
    def text(self, key: str) -> str | None:
        """Optional string in `data`; another type is an invalid event (a language map needs a string)."""
        value = present(self.data.get(key))
        if value is None or isinstance(value, str):
            return value
        raise invalid(f"data.{key} must be a string", f"data.{key}")

    def iri_part(self, key: str) -> str:
        """Required `data.<key>` that becomes part of an IRI."""
        return iri_part(self.need(key), f"data.{key}")


def iri_part(value: Any, field_name: str) -> str:
    """Check that `value` can be spliced into an IRI; ints are accepted (ids, indexes) and stringified."""
    if is_iri_component(value):
        return value
    if type(value) is int:
        return str(value)
    raise invalid(f"{field_name} is not usable in an IRI", field_name)


def raw_text(item: Any) -> str:
    """The event as text, for quarantine. Dicts are serialised; anything not JSON-able is stringified."""
    if isinstance(item, str):
        return item
    if isinstance(item, bytes | bytearray | memoryview):
        return bytes(item).decode("utf-8", "replace")
    try:
        return orjson.dumps(item, default=repr, option=orjson.OPT_NON_STR_KEYS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return repr(item)


def _loads_line(text: str | bytes) -> Any:
    """Parse a log line, tolerating any prefix before the first `{` (syslog, Python logging)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    if isinstance(text, bytes):
        start, end = text.find(b"{"), text.rfind(b"}")
        tail_ok = start >= 0 and not text[end + 1 :].strip()
    else:
        start, end = text.find("{"), text.rfind("}")
        tail_ok = start >= 0 and not text[end + 1 :].strip()
    if not tail_ok or end < start:
        raise TransformFailure(Reason.MALFORMED_JSON, "no JSON object in line")
    try:
        return orjson.loads(text[start : end + 1])
    except orjson.JSONDecodeError as exc:
        raise TransformFailure(Reason.MALFORMED_JSON, f"invalid JSON at char {exc.pos}") from None


def normalize(item: Any, max_bytes: int = 0) -> Event | Rejection:
    """Turn any accepted input shape into an `Event`, or a `Rejection` (malformed_json, oversize, invalid_event)."""
    top: Any  # whatever the line parsed to, until checked
    try:
        if isinstance(item, dict):
            top = item
            if max_bytes and _dict_size(item) > max_bytes:
                return _reject(item, Reason.OVERSIZE, f"event larger than {max_bytes} bytes", top)
        elif isinstance(item, str | bytes | bytearray | memoryview):
            if isinstance(item, bytearray | memoryview):
                item = bytes(item)
            if max_bytes and len(item) > max_bytes:
                return _reject(item, Reason.OVERSIZE, f"event larger than {max_bytes} bytes", None)
            top = _loads_line(item)
            if not isinstance(top, dict):
                return _reject(item, Reason.INVALID_EVENT, "event is not a JSON object", None)
        else:
            return _reject(item, Reason.INVALID_EVENT, f"unsupported input type {type(item).__name__}", None)
        if "data" not in top and "event" in top:
            if top is item:
                top = dict(top)  # the caller's dict: never mutate it; a dict parsed from text is ours
            payload = top["event"]
            if isinstance(payload, str) and payload[:1] in ("{", "["):
                # Browser events log their payload as JSON text; browser problem_check logs a URL-encoded form
                # string, which is kept as the string it is.
                try:
                    payload = orjson.loads(payload)
                except orjson.JSONDecodeError as exc:
                    return _reject(item, Reason.MALFORMED_JSON, f"`event` is not JSON (char {exc.pos})", top)
            top["data"] = payload
        name = top.get("name")
        if not isinstance(name, str) or not name:
            return _reject(item, Reason.INVALID_EVENT if name else Reason.MISSING_FIELD, "missing or bad name", top,
                           field="name")
        return Event(top, name, item)
    except TransformFailure as exc:
        return _reject(item, exc.reason, exc.detail, None)
    except RecursionError:
        return _reject(item, Reason.INVALID_EVENT, "nesting too deep", None)


def from_tracking_signal(name: str, timestamp: datetime, data: str, context: str) -> dict[str, Any] | Rejection:
    """Build a live-shape event from the `TRACKING_EVENT_EMITTED` payload (data and context are JSON strings).

    Returns the dict to pass to `transform_batch`, or a `Rejection` if a payload string is not JSON.
    """
    parsed: dict[str, Any] = {"name": name, "timestamp": timestamp}
    for key, value in (("context", context), ("data", data)):
        try:
            parsed[key] = orjson.loads(value) if value else None
        except orjson.JSONDecodeError as exc:
            return _signal_rejection(name=name, timestamp=timestamp, context=context, data=data,
                                     reason=Reason.MALFORMED_JSON,
                                     detail=f"signal `{key}` is not JSON (char {exc.pos})")
        except TypeError:
            return _signal_rejection(name=name, timestamp=timestamp, context=context, data=data,
                                     reason=Reason.INVALID_EVENT, detail=f"signal `{key}` is not a JSON string")
    return parsed


def _signal_rejection(*, name: Any, timestamp: Any, context: Any, data: Any, reason: Reason, detail: str) -> Rejection:
    # The timestamp as the request path writes it (UTC ISO text): `str()` puts a space for the `T`, and the event
    # would then be quarantined as bad_timestamp, hiding why the receiver refused it.
    if isinstance(timestamp, datetime):
        timestamp = (timestamp.astimezone(UTC) if timestamp.tzinfo is not None else timestamp).isoformat()
    raw = raw_text({"name": name, "timestamp": timestamp, "context": context, "data": data})
    return Rejection(reason, detail, name if isinstance(name, str) else None, raw)


def _dict_size(item: dict[str, Any]) -> int:
    """Size of the event as JSON text; falls back to its repr for what orjson refuses (huge ints, deep nesting)."""
    try:
        return len(orjson.dumps(item))
    except (TypeError, orjson.JSONEncodeError):
        pass
    try:
        return len(orjson.dumps(item, default=str, option=orjson.OPT_NON_STR_KEYS))
    except (TypeError, orjson.JSONEncodeError):
        return len(repr(item))


def _reject(item: Any, reason: Reason, detail: str, top: dict[str, Any] | None, field: str | None = None
            ) -> Rejection:
    name = top.get("name") if isinstance(top, dict) else None
    return Rejection(reason, detail, name if isinstance(name, str) else None, raw_text(item), field)
