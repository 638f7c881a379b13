"""Shared helpers for the xAPI tests: fixture loading, fake lookups, shape conversion."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from oars_platform import __version__
from oars_platform.xapi import CachedLookups, TransformConfig, transform_batch
from oars_platform.xapi.config import ActorMode
from oars_platform.xapi.constants import EXT_TRANSFORMER_VERSION
from oars_platform.xapi.results import BatchResult

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "erb"
LMS = "http://localhost:18000"
EXTERNAL_ID = "32e08e30-f8ae-4ce2-94a8-c2bfe38a70cb"
COURSE_NAME = "Demonstration Course"
OUR_VERSION = f"oars-platform@{__version__}"

# Fields the tracking-log writer moves from `context` to the top level (edx-platform's legacy field mapping).
LOG_TOP_LEVEL_FIELDS = ("username", "session", "ip", "agent", "host", "referer", "accept_language", "event_source",
                        "page")


def fixture_names() -> list[str]:
    """Every events/*.json stem; fails loudly when the shared folder is missing."""
    events = FIXTURES / "events"
    if not events.is_dir():
        raise AssertionError(f"ERB fixtures not found at {events}")
    return sorted(p.name for p in events.glob("*.json"))


def load_event(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "events" / name).read_text())


def load_expected(name: str) -> list[dict[str, Any]]:
    """Expected statements with ERB's transformer version replaced by ours."""
    data = json.loads((FIXTURES / "expected" / name).read_text())
    statements = data if isinstance(data, list) else [data]
    for statement in statements:
        statement["context"]["extensions"][EXT_TRANSFORMER_VERSION] = OUR_VERSION
    return statements


class FakeFetchers:
    """Dict-backed fetchers that count their calls (one bulk call per batch is part of the contract)."""

    def __init__(self, users: dict[Any, str] | None = None, courses: dict[str, str] | None = None,
                 resolve_all: bool = True) -> None:
        self.users = users or {}
        self.courses = courses or {}
        self.resolve_all = resolve_all
        self.actor_calls: list[set[Any]] = []
        self.course_calls: list[set[str]] = []

    def fetch_actors(self, refs: set[Any], mode: str) -> dict[Any, str]:
        self.actor_calls.append(set(refs))
        out = {}
        for ref in refs:
            value = self.users.get(ref, EXTERNAL_ID if self.resolve_all else None)
            if value is None:
                continue
            out[ref] = value if mode == "external_id" else f"learner{ref}@example.com"
        return out

    def fetch_course_names(self, course_ids: set[str]) -> dict[str, str]:
        self.course_calls.append(set(course_ids))
        if self.resolve_all:
            return {cid: self.courses.get(cid, COURSE_NAME) for cid in course_ids}
        return {cid: self.courses[cid] for cid in course_ids if cid in self.courses}

    def lookups(self, **kwargs: Any) -> CachedLookups:
        return CachedLookups(self.fetch_actors, self.fetch_course_names, **kwargs)


def run(events: Iterable[Any], mode: ActorMode = ActorMode.EXTERNAL_ID, **config: Any) -> BatchResult:
    """Transform with the fixture settings and fresh fake lookups."""
    cfg = TransformConfig(lms_root_url=LMS, actor_mode=mode, **config)
    return transform_batch(list(events), cfg, FakeFetchers().lookups())


def to_log_line(event: dict[str, Any], *, event_as_string: bool = True, prefix: str = "") -> str:
    """The tracking.log form of a live event: `event` instead of `data`, `time`, legacy top-level fields."""
    if "event" in event:  # already log-shaped
        return prefix + json.dumps(event)
    context = dict(event.get("context") or {})
    line: dict[str, Any] = {key: value for key, value in event.items() if key not in ("data", "timestamp")}
    line["context"] = context
    for key in LOG_TOP_LEVEL_FIELDS:
        if key in context:
            line[key] = context.pop(key)
    data = event.get("data")
    line["event"] = json.dumps(data) if event_as_string and not isinstance(data, str) else data
    line["time"] = event.get("timestamp", event.get("time"))
    line["event_type"] = event["name"]
    return prefix + json.dumps(line)
