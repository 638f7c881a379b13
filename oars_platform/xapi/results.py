"""What a transform produces: statements ready for ClickHouse, or rejections ready for quarantine.

Rule 5 of the contract: bad input never raises into the caller. Each input event ends as zero or more
`TransformedStatement`s or exactly one `Rejection` whose `reason` is machine-readable, so the pipeline can count
rejections by reason and store the raw text for replay.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Reason(StrEnum):
    """Why an event produced no statement. The values are stable: dashboards and quarantine tables key on them."""

    UNKNOWN_EVENT = "unknown_event"  # no transformer for this name (and not a page view)
    DISABLED_EVENT = "disabled_event"  # supported, but switched off by TransformConfig
    MISSING_FIELD = "missing_field"  # a required value is absent; `field` names it
    UNKNOWN_USER = "unknown_user"  # anonymous event, or the user lookup found nobody
    UNKNOWN_COURSE = "unknown_course"  # the course lookup found nothing (deleted course)
    BAD_TIMESTAMP = "bad_timestamp"  # missing or unparsable timestamp
    MALFORMED_JSON = "malformed_json"  # the line, or its `event`/`data` string, is not JSON
    OVERSIZE = "oversize"  # larger than TransformConfig.max_event_bytes
    INVALID_EVENT = "invalid_event"  # wrong types or values that cannot make a valid statement
    TRANSFORM_ERROR = "transform_error"  # unexpected exception (a bug): detail names the exception type
    LOOKUP_FAILED = "lookup_failed"  # the bulk user/course fetch raised; replay once the source is back


@dataclass(frozen=True, slots=True)
class Rejection:
    """An event that produced no statement.

    `detail` is short and built only from field names, types and sizes, never from event values, so it can be
    logged without leaking usernames, emails or IP addresses. `raw` is the event text exactly as received (JSON of
    the dict for dict inputs) so the event can be quarantined and replayed.
    """

    reason: Reason
    detail: str
    event_name: str | None
    raw: str
    field: str | None = None


@dataclass(slots=True)
class TransformedStatement:
    """One xAPI statement plus the columns ClickHouse needs (`event_id`, `emission_time`, `event`).

    `statement` may share read-only sub-objects (actor, course activity) with other statements of the same batch;
    copy it before mutating.
    """

    id: str
    emission_time: datetime
    event_name: str
    statement: dict[str, Any]
    json: str


@dataclass(slots=True)
class BatchResult:
    """Output of `transform_batch`: statements in input order, then one rejection per rejected event."""

    statements: list[TransformedStatement] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


class TransformFailure(Exception):
    """Raised inside a transform for a known, expected problem; the batch loop turns it into a `Rejection`."""

    def __init__(self, reason: Reason, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.field = field


def missing(field_name: str) -> TransformFailure:
    """Failure for a required value that is absent (ERB: `get_data(..., required=True)` or no object id)."""
    return TransformFailure(Reason.MISSING_FIELD, f"missing {field_name}", field_name)


def invalid(detail: str, field_name: str | None = None) -> TransformFailure:
    """Failure for a value of the wrong type or shape; `detail` must not quote the value."""
    return TransformFailure(Reason.INVALID_EVENT, detail, field_name)
