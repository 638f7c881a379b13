"""Independent Python recomputation of every report from the stored statements (json, no SQL beyond reading them).

Each function follows the definition in the report's docstring, reading statement fields directly, so a mistake in
a materialized view, a table key or a report query shows up as a difference.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
import statistics
from collections import defaultdict
from typing import Any

VIDEO_EXT = "https://w3id.org/xapi/video/extensions/"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
REGISTERED = "http://adlnet.gov/expapi/verbs/registered"
UNREGISTERED = "http://id.tincanapi.com/verb/unregistered"
_USAGE = re.compile(r"((?:ccx-)?block-v1:[^/?#]+)")
_COURSE = re.compile(r"((?:course|ccx)-v1:[^/?#]+)")


class Statement:
    """The fields reports read, straight from one statement's JSON."""

    def __init__(self, event_id: str, emission_time: dt.datetime, text: str) -> None:
        self.id = event_id
        self.time = emission_time
        self.raw = json.loads(text)
        raw = self.raw
        self.verb = raw["verb"]["id"]
        actor = raw["actor"]
        self.actor = (actor.get("account") or {}).get("name") or actor.get("mbox") or actor.get("mbox_sha1sum", "")
        self.object_id = raw["object"]["id"]
        self.object_type = raw["object"].get("definition", {}).get("type", "")
        activities = raw.get("context", {}).get("contextActivities", {})
        parent = (activities.get("parent") or [{}])[0]
        grouping = (activities.get("grouping") or [{}])[0]
        if parent.get("definition", {}).get("type") == COURSE_TYPE:
            iri = parent["id"]
        elif grouping.get("definition", {}).get("type") == COURSE_TYPE:
            iri = grouping["id"]
        else:
            iri = self.object_id
        match = _COURSE.search(iri)
        self.course_key = match.group(1) if match else ""
        self.result = raw.get("result", {})
        self.extensions = self.result.get("extensions", {})

    @property
    def usage_key(self) -> str:
        match = _USAGE.search(self.object_id)
        return match.group(1) if match else ""

    @property
    def order(self) -> tuple:
        return (self.time, self.id)


def load(clickhouse) -> list[Statement]:
    """Every stored statement once (duplicates of an id dropped here, in Python)."""
    rows = clickhouse.client.query(
        f"SELECT toString(event_id), emission_time, event FROM `{clickhouse.databases.xapi}`.xapi_events_all"
    ).rows
    unique = {}
    for event_id, time, text in rows:
        unique[event_id] = Statement(event_id, time.replace(tzinfo=None), text)
    return list(unique.values())


def in_course(statements: list[Statement], course_key: str) -> list[Statement]:
    return [s for s in statements if s.course_key == course_key]


def enrollments_daily(statements: list[Statement], course_key: str) -> list[dict[str, Any]]:
    groups: dict[tuple, list[Statement]] = defaultdict(list)
    for s in in_course(statements, course_key):
        if s.verb in (REGISTERED, UNREGISTERED):
            mode = s.raw["object"].get("definition", {}).get("extensions", {}).get(
                "https://w3id.org/xapi/acrossx/extensions/type", "")
            groups[(s.time.date(), mode, s.verb.rsplit("/", 1)[1])].append(s)
    return [{"day": day, "mode": mode, "status": status, "events": len(group),
             "learners": len({s.actor for s in group})} for (day, mode, status), group in sorted(groups.items())]


def _enrollment_states(statements: list[Statement], course_key: str) -> dict[str, list[Statement]]:
    by_actor: dict[str, list[Statement]] = defaultdict(list)
    for s in in_course(statements, course_key):
        if s.verb in (REGISTERED, UNREGISTERED):
            by_actor[s.actor].append(s)
    return {actor: sorted(group, key=lambda s: s.order) for actor, group in by_actor.items()}


def _mode(s: Statement) -> str:
    return s.raw["object"].get("definition", {}).get("extensions", {}).get(
        "https://w3id.org/xapi/acrossx/extensions/type", "")


def enrollees_current(statements: list[Statement], course_key: str) -> list[dict[str, Any]]:
    counts: dict[str, int] = defaultdict(int)
    for group in _enrollment_states(statements, course_key).values():
        if group[-1].verb == REGISTERED:
            counts[_mode(group[-1])] += 1
    return [{"mode": mode, "enrollees": n} for mode, n in sorted(counts.items())]


def enrollments_cumulative(statements: list[Statement], course_key: str) -> list[dict[str, Any]]:
    deltas: dict[tuple, int] = defaultdict(int)
    for group in _enrollment_states(statements, course_key).values():
        per_day: dict[dt.date, Statement] = {}
        for s in group:
            per_day[s.time.date()] = s  # sorted, so the day's last wins
        before = None
        for day in sorted(per_day):
            s = per_day[day]
            now = _mode(s) if s.verb == REGISTERED else None
            if now != before:
                if now is not None:
                    deltas[(day, now)] += 1
                if before is not None:
                    deltas[(day, before)] -= 1
            before = now
    rows, running = [], defaultdict(int)
    for (day, mode), delta in sorted(deltas.items()):
        running[mode] += delta
        rows.append({"day": day, "mode": mode, "enrollees": running[mode]})
    return rows


def problem_difficulty(statements: list[Statement], course_key: str, blocks: dict[str, dict]) -> list[dict]:
    per: dict[tuple, list[Statement]] = defaultdict(list)
    for s in in_course(statements, course_key):
        if s.verb == "https://w3id.org/xapi/acrossx/verbs/evaluated" and "statement" not in s.raw.get("context", {}) \
                and "@problem+block@" in s.object_id:
            per[(s.usage_key, s.actor)].append(s)
    problems: dict[str, list[tuple[int, bool, bool]]] = defaultdict(list)
    for (problem, _actor), group in per.items():
        group.sort(key=lambda s: s.order)
        problems[problem].append((len(group), bool(group[0].result.get("success")),
                                  any(s.result.get("success") for s in group)))
    rows = []
    for problem, learners in problems.items():
        attempts = [a for a, _, _ in learners]
        block = blocks.get(problem, {})
        rows.append({
            "problem_id": problem, "problem_name": block.get("display_name", ""), "section": block.get("section", 0),
            "subsection": block.get("subsection", 0), "unit": block.get("unit", 0),
            "graded": block.get("graded", False), "learners": len(learners), "attempts_min": min(attempts),
            "attempts_max": max(attempts), "attempts_mean": statistics.mean(attempts),
            "attempts_median": statistics.median(attempts),
            "first_attempt_correct_pct": 100 * sum(1 for _, first, _ in learners if first) / len(learners),
            "eventually_correct_pct": 100 * sum(1 for _, _, ever in learners if ever) / len(learners),
            "_order": block.get("course_order", 0),
        })
    rows.sort(key=lambda r: (r["_order"] == 0, r["_order"], r["problem_id"]))
    return rows


VIDEO_TYPES = ("loaded", "played", "paused", "seeked", "completed", "stopped", "captions_shown", "captions_hidden",
               "speed_changed", "language_menu")
_VIDEO_VERBS = {
    "https://w3id.org/xapi/video/verbs/played": "played", "https://w3id.org/xapi/video/verbs/paused": "paused",
    "https://w3id.org/xapi/video/verbs/seeked": "seeked", "http://adlnet.gov/expapi/verbs/completed": "completed",
    "http://adlnet.gov/expapi/verbs/initialized": "loaded", "http://adlnet.gov/expapi/verbs/terminated": "stopped",
}


def video_type(s: Statement) -> str:
    if s.verb in _VIDEO_VERBS:
        return _VIDEO_VERBS[s.verb]
    if VIDEO_EXT + "cc-enabled" in s.extensions:
        return "captions_shown" if s.extensions[VIDEO_EXT + "cc-enabled"] else "captions_hidden"
    if "https://w3id.org/xapi/openedx/extension/speed-to" in s.extensions:
        return "speed_changed"
    return "language_menu" if s.verb == "http://adlnet.gov/expapi/verbs/interacted" else "other"


def video_position(s: Statement) -> float:
    if VIDEO_EXT + "time" in s.extensions:
        return float(s.extensions[VIDEO_EXT + "time"])
    return float(s.extensions.get(VIDEO_EXT + "time-from", 0.0))


def video_engagement(statements: list[Statement], course_key: str, blocks: dict[str, dict]) -> list[dict]:
    by_video: dict[str, list[Statement]] = defaultdict(list)
    for s in in_course(statements, course_key):
        if s.object_type == "https://w3id.org/xapi/video/activity-type/video":
            by_video[s.usage_key].append(s)
    rows = []
    for video, group in by_video.items():
        types = [video_type(s) for s in group]
        row: dict[str, Any] = {name: types.count(name) for name in VIDEO_TYPES}
        viewers = {s.actor for s, t in zip(group, types, strict=True) if t == "played"}
        completers = {s.actor for s, t in zip(group, types, strict=True) if t == "completed"}
        watched = 0.0
        per_actor: dict[str, list[Statement]] = defaultdict(list)
        for s in group:
            per_actor[s.actor].append(s)
        for items in per_actor.values():
            items.sort(key=lambda s: s.order)
            for current, following in itertools.pairwise(items):
                if video_type(current) == "played" and video_type(following) in (
                        "paused", "seeked", "completed", "stopped"):
                    gap = video_position(following) - video_position(current)
                    if gap > 0:
                        watched += gap
        block = blocks.get(video, {})
        both = viewers | completers
        row.update(video_id=video, video_name=block.get("display_name", ""), section=block.get("section", 0),
                   subsection=block.get("subsection", 0), unit=block.get("unit", 0), unique_viewers=len(viewers),
                   completers=len(completers),
                   completion_rate_pct=100 * len(completers) / len(both) if both else 0,
                   watched_seconds=watched, _order=block.get("course_order", 0))
        rows.append(row)
    rows.sort(key=lambda r: (r["_order"] == 0, r["_order"], r["video_id"]))
    return rows


def navigation_visits(statements: list[Statement], course_key: str, blocks: dict[str, dict]) -> list[dict]:
    visits: dict[tuple[str, str], set] = defaultdict(set)
    learners: dict[tuple[str, str], set] = defaultdict(set)
    for s in in_course(statements, course_key):
        if s.verb != "https://w3id.org/xapi/dod-isd/verbs/navigated" or s.usage_key not in blocks:
            continue
        block = blocks[s.usage_key]
        for level, location in (("section", block["section_location"]),
                                ("subsection", block["subsection_location"])):
            if location:
                visits[(level, location)].add(s.id)
                learners[(level, location)].add(s.actor)
    rows = []
    for location, block in sorted(blocks.items(), key=lambda item: item[1]["course_order"]):
        if block["block_type"] == "chapter" and block["section_location"] == location:
            level = "section"
        elif block["block_type"] == "sequential" and block["subsection_location"] == location:
            level = "subsection"
        else:
            continue
        rows.append({"level": level, "location": location, "name": block["display_name"],
                     "section": block["section"], "subsection": block["subsection"],
                     "visits": len(visits[(level, location)]), "learners": len(learners[(level, location)])})
    return rows


def grade_distribution(statements: list[Statement], course_key: str) -> list[dict]:
    per_actor: dict[str, list[Statement]] = defaultdict(list)
    for s in in_course(statements, course_key):
        if s.object_type != COURSE_TYPE:
            continue
        if s.verb in ("http://id.tincanapi.com/verb/earned", "http://adlnet.gov/expapi/verbs/passed",
                      "http://adlnet.gov/expapi/verbs/failed"):
            per_actor[s.actor].append(s)
    buckets: dict[tuple, list[int]] = {}
    for group in per_actor.values():
        group.sort(key=lambda s: s.order)
        grades = [s for s in group if s.verb.endswith("/earned")]
        states = [s for s in group if not s.verb.endswith("/earned")]
        passing = bool(states) and states[-1].verb.endswith("/passed")
        if grades:
            band = min(9, math.floor(max(float(grades[-1].result["score"]["scaled"]), 0) * 10))
            key = (0, band, f"{band * 10}-{100 if band == 9 else band * 10 + 9}%")
        else:
            key = (1, 0, "no grade")
        counts = buckets.setdefault(key, [0, 0])
        counts[0] += 1
        counts[1] += int(passing)
    return [{"bucket": name, "learners": n, "passing": p} for (_, _, name), (n, p) in sorted(buckets.items())]


def instance_daily(statements: list[Statement]) -> list[dict]:
    per_day: dict[dt.date, list[Statement]] = defaultdict(list)
    for s in statements:
        per_day[s.time.date()].append(s)
    return [{"day": day, "events": len(group), "active_learners": len({s.actor for s in group}),
             "enrollments": sum(1 for s in group if s.verb == REGISTERED),
             "unenrollments": sum(1 for s in group if s.verb == UNREGISTERED),
             "active_courses": len({s.course_key for s in group if s.course_key})}
            for day, group in sorted(per_day.items())]
