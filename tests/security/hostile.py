"""Hostile tracking events, driven by hypothesis: recipes of mutations applied to the reference (ERB) events.

A :class:`Recipe` names a reference event, a mutation and the hostile value it plants; hypothesis draws the recipes
(so it chooses and shrinks the malformations) and :func:`expand` turns a list of them into any number of events,
each with its own timestamp so that every valid event has a statement id of its own. Each mutation carries an
expectation that does not come from the transform: where the event must end (not enqueued at the request path,
stored, or quarantined with one reason), or ``None`` when the mutation may land either way (a wrong type planted in
a field some event families ignore). The oracle (:func:`oracle`) is the pure transform run in-process over the text
the request path buffered; the tests check it against these expectations, and the stored rows against it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from oars_platform.xapi import Reason, TransformConfig, supported_events, transform_batch

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "erb" / "events"
LMS = "http://localhost:18000"
BASE = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
#: OARS_MAX_EVENT_BYTES of the fuzz (site and request path): small, so "huge" events cost the buffer little.
MAX_EVENT_BYTES = 8192

#: The stand-in site of the fuzz: these users (external id = UUID(int=id)) and courses exist.
USER_IDS = (*range(1, 21), 100)
USERNAMES = {**{f"learner{user_id}": user_id for user_id in range(1, 21)}, "edx": 100}
COURSES = {
    "course-v1:edX+DemoX+Demo_Course": "Demonstration Course",
    "ccx-v1:edX+DemoX+Demo_Course+ccx@1": "Demonstration Course",
    "course-v1:testX+XAPI101+2019_T2": "Demonstration Course",
    "course-v1:TestX+XP101+2023_T1": "Demonstration Course",
}

#: Outcomes besides a reason: filtered at the request path (never buffered) and stored (statements written).
FILTERED = "filtered"
STORED = "stored"
ANY = None

SQL = ["'; DROP TABLE xapi_events_all; --", "1 OR 1=1", "\" OR \"\"=\"", "x'); SELECT * FROM system.users; --",
       "{name:String}", "?", "%s", "`oars`.`quarantine`", "' UNION SELECT password FROM auth_user --"]
HTML = ["</script><script>window.__oars_pwned = 1</script>", "<img src=x onerror=\"window.__oars_pwned=1\">",
        "\"><svg onload=alert(1)>", "<!--", "]]>", "javascript:alert(1)", "{{ 7*7 }}", "{% debug %}", "&lt;&amp;"]
UNICODE = ["\u202eevil\u202c", "e\u0301", "\U0001f4a9" * 10, "\u0000null\u0000byte", "\ufeffbom", "\u2028\u2029",
           "Zalgo\u0336\u0337\u0338", "\x7f\x1b[31mred", "\\u0000", "\uffff"]
HOSTILE_TEXT = st.sampled_from(SQL + HTML + UNICODE) | st.text(max_size=60)
WRONG_TYPE = (st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False)
              | st.lists(st.integers(), max_size=3) | st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)
              | HOSTILE_TEXT)
FAR_TIMESTAMPS = st.sampled_from(["0001-01-01T00:00:00+00:00", "1969-12-31T23:59:59.999999+00:00",
                                  "1900-01-01T00:00:00Z", "2199-06-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00",
                                  "2999-01-01T00:00:00.000001-05:00"])
BAD_TIMESTAMPS = (st.sampled_from(["", "yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
                                   "2024-01-01 00:00:00Z", "2024-01-01T00:00:00+00:00:30", "NaN", "0" * 25])
                  | st.integers(-(2**63), 2**63 - 1) | st.lists(st.integers(0, 9), max_size=2) | st.just({"$date": 1}))
UNKNOWN_NAMES = (st.sampled_from(["edx.bi.marketing", "play_video ", "PLAY_VIDEO", "problem_check\u0000",
                                  "<script>alert(1)</script>", "'; DROP TABLE x; --", "/course/", ""])
                 | st.text(max_size=20))


def load_fixtures() -> dict[str, dict[str, Any]]:
    """The reference events by file stem."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(FIXTURES.glob("*.json"))}


@dataclass(frozen=True)
class Recipe:
    """One hostile shape: a reference event, a mutation, its planted value and where a leaf mutation applies."""

    fixture: str
    mutation: str
    value: Any = None
    pick: int = 0
    signal: bool = False

    def expected(self, baseline: str) -> str | None:
        """The fate the mutation implies for an event whose clean version ends as ``baseline`` (None: either way).

        Derived from the order the contract gives the checks (name, size and JSON, timestamp, user reference, user,
        course, then the family's fields), not from running the transform.
        """
        fixed = MUTATIONS[self.mutation]
        if baseline == FILTERED or fixed in (FILTERED, Reason.MALFORMED_JSON, Reason.OVERSIZE):
            return FILTERED if baseline == FILTERED and fixed != FILTERED else fixed
        if fixed == STORED:
            return baseline
        if fixed == Reason.UNKNOWN_COURSE and baseline == Reason.UNKNOWN_USER:
            return baseline  # the user is looked up first
        return fixed


#: Each mutation and the outcome it forces (ANY: the transform decides, the oracle says how).
MUTATIONS: dict[str, Any] = {
    "clean": STORED,  # the reference event itself (a fresh timestamp): its clean fate
    "extra_junk": STORED,  # unknown keys with hostile values are ignored
    "inject_text": ANY,  # SQL, HTML, odd unicode in a string field (valid text may still break an IRI)
    "retype": ANY,  # a wrong type planted at a leaf
    "delete": ANY,  # a leaf removed
    "nan": ANY,  # NaN or Infinity at a leaf (JSON has none: the request path writes null)
    "deep_ok": ANY,  # nesting 100 levels deep at a leaf (JSON can carry it)
    "deep_bad": Reason.MALFORMED_JSON,  # nesting 300 levels: orjson refuses to encode it
    "bigint": Reason.MALFORMED_JSON,  # an int past 64 bits: not encodable
    "surrogate": Reason.MALFORMED_JSON,  # a lone surrogate: not UTF-8
    "tuple_key": Reason.MALFORMED_JSON,  # a non-string dict key JSON cannot name
    "huge": Reason.OVERSIZE,  # a string past OARS_MAX_EVENT_BYTES
    "far_timestamp": Reason.BAD_TIMESTAMP,  # before 1970 or far in the future
    "bad_timestamp": Reason.BAD_TIMESTAMP,  # not an ISO date-time
    "no_user": Reason.UNKNOWN_USER,  # every user reference removed
    "unknown_user": Reason.UNKNOWN_USER,  # a user id or a hostile username nobody has
    "huge_user_id": Reason.INVALID_EVENT,  # a user id past 64 bits' signed range (still encodable up to 2**64-1)
    "unknown_course": Reason.UNKNOWN_COURSE,  # a course key nobody has, SQL included
    "unknown_name": FILTERED,  # a name we do not transform
    "name_type": FILTERED,  # a name that is not a string
    "not_dict": FILTERED,  # not even a dict
}
USER_KEYS = ("user_id", "username")
#: Mutations also sent as TRACKING_EVENT_EMITTED (its payload is JSON text: values JSON cannot carry stay out).
SIGNAL_OK = frozenset(MUTATIONS) - {"not_dict", "deep_bad", "bigint", "surrogate", "tuple_key", "nan"}


@st.composite
def recipes(draw: st.DrawFn, fixtures: list[str]) -> Recipe:
    """One recipe: hypothesis picks the event, the mutation and the hostile value."""
    fixture = draw(st.sampled_from(fixtures))
    mutation = draw(st.sampled_from(sorted(MUTATIONS)))
    signal = draw(st.booleans()) if mutation in SIGNAL_OK else False
    value: Any = None
    if mutation in ("inject_text", "extra_junk"):
        value = draw(HOSTILE_TEXT)
    elif mutation == "retype":
        value = draw(WRONG_TYPE)
    elif mutation == "nan":
        value = draw(st.sampled_from(["nan", "inf", "-inf"]))
    elif mutation == "bigint":
        value = draw(st.integers(2**64, 2**200) | st.integers(-(2**200), -(2**64)))
    elif mutation == "huge":
        value = draw(st.integers(9_000, 60_000))
    elif mutation == "far_timestamp":
        value = draw(FAR_TIMESTAMPS)
    elif mutation == "bad_timestamp":
        value = draw(BAD_TIMESTAMPS)
    elif mutation == "unknown_user":
        value = draw(st.sampled_from([999_999, -1, 0, "nobody", *SQL[:3], HTML[0]]))
    elif mutation == "huge_user_id":
        value = draw(st.integers(2**63, 2**64 - 1))
    elif mutation == "unknown_course":
        value = draw(st.sampled_from(["course-v1:Evil+X+Y", "course-v1:x+y+z';DROP--", "course-v1:a+b+c)--",
                                      "ccx-v1:edX+DemoX+Demo_Course+ccx@999"]))
    elif mutation == "unknown_name":
        value = draw(UNKNOWN_NAMES)
    elif mutation == "name_type":
        value = draw(st.none() | st.integers() | st.lists(st.just("play_video"), max_size=1))
    elif mutation == "not_dict":
        value = draw(st.none() | st.integers() | st.text(max_size=10) | st.lists(st.integers(), max_size=3))
    pick = draw(st.integers(0, 10_000))
    return Recipe(fixture, mutation, value, pick, signal)


def create_world() -> None:
    """The site's users (external id = UUID(int=id), so statement ids can be predicted) and courses (Django set up)."""
    from django.contrib.auth.models import User
    from opaque_keys.edx.keys import CourseKey
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
    from openedx.core.djangoapps.external_user_ids.models import ExternalId
    from standin.factories import create_course_overview

    for user_id in USER_IDS:
        username = next(name for name, value in USERNAMES.items() if value == user_id)
        user, _ = User.objects.get_or_create(id=user_id, defaults={"username": username, "email": f"{username}@x.org"})
        ExternalId.add_new_user_id(user, "xapi")
    for row in ExternalId.objects.filter(user_id__in=USER_IDS):
        ExternalId.objects.filter(pk=row.pk).update(external_user_id=uuid.UUID(int=row.user_id))
    for course_id, name in COURSES.items():
        key = CourseKey.from_string(course_id)
        if not CourseOverview.objects.filter(id=key).exists():
            create_course_overview(key, display_name=name)


# -- building events -------------------------------------------------------------------------------------------
def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every value under ``data`` and ``context`` (where the payload lives), sorted for stability."""
    out = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        if not path and key not in ("data", "context", "event"):
            continue
        out.append((*path, key))
        out.extend(_leaves(value, (*path, key)))
    return out


def _set(event: dict[str, Any], path: tuple[Any, ...], value: Any, delete: bool = False) -> None:
    parent: Any = event
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for _ in range(depth):
        value = {"n": value}
    return value


def _planted(mutation: str, value: Any) -> Any:
    """The value a leaf mutation puts in place."""
    if mutation == "nan":
        return float(value)
    if mutation == "deep_ok":
        return _nested(100)
    if mutation == "deep_bad":
        return _nested(300)
    if mutation == "surrogate":
        return "a\ud800b"
    if mutation == "tuple_key":
        return {(1, 2): "x"}
    if mutation == "huge":
        return "A" * value
    return value  # inject_text, retype, bigint; delete ignores it


def _strip_users(event: dict[str, Any]) -> None:
    for holder in (event, event.get("context"), event.get("data")):
        if isinstance(holder, dict):
            for key in USER_KEYS:
                holder.pop(key, None)


def build(recipe: Recipe, fixture: dict[str, Any], index: int) -> Any:
    """The ``index``-th event of ``recipe``: the mutated reference event with its own timestamp."""
    event = copy.deepcopy(fixture)
    event["timestamp"] = (BASE + dt.timedelta(milliseconds=index)).isoformat()
    event.pop("time", None)
    mutation, value = recipe.mutation, recipe.value
    leaves = _leaves(event)
    path = leaves[recipe.pick % len(leaves)] if leaves else None
    if mutation == "extra_junk":
        event["oars_junk"] = {"html": value, "sql": SQL[recipe.pick % len(SQL)], "n": [None, True, 1.5]}
        if isinstance(event.get("context"), dict):
            event["context"]["x_junk"] = value
    elif mutation in ("inject_text", "retype", "delete", "nan", "deep_ok", "deep_bad", "bigint", "surrogate",
                      "tuple_key", "huge") and path is not None:
        _set(event, path, _planted(mutation, value), delete=mutation == "delete")
    elif mutation in ("deep_bad", "bigint", "surrogate", "tuple_key", "huge"):  # no payload leaf: plant at the top
        event["oars_payload"] = _planted(mutation, value)
    elif mutation in ("far_timestamp", "bad_timestamp"):
        event["timestamp"] = value
    elif mutation in ("no_user", "unknown_user", "huge_user_id"):
        _strip_users(event)
        if mutation != "no_user":
            event.setdefault("context", {})
            if not isinstance(event["context"], dict):
                event["context"] = {}
            event["context"]["user_id" if not isinstance(value, str) else "username"] = value
    elif mutation == "unknown_course":
        if not isinstance(event.get("context"), dict):
            event["context"] = {}
        event["context"]["course_id"] = value
    elif mutation in ("unknown_name", "name_type"):
        event["name"] = value if not (mutation == "unknown_name" and value in supported_events()) else "edx.x"
    elif mutation == "not_dict":
        return value
    return event


@dataclass
class Sent:
    """One generated event: how it was sent, what it was, and (after :func:`oracle`) its expected fate."""

    recipe: Recipe
    event: Any
    expected: str | None = None
    outcome: str | None = None


@dataclass
class Expansion:
    """The events of a fuzz run, in sending order."""

    events: list[Sent] = field(default_factory=list)


def expand(plan: list[Recipe], fixtures: dict[str, dict[str, Any]], total: int) -> Expansion:
    """``total`` events cycling through ``plan``: event i follows recipe i mod len(plan), at BASE + i ms."""
    out = Expansion()
    for index in range(total):
        recipe = plan[index % len(plan)]
        out.events.append(Sent(recipe, build(recipe, fixtures[recipe.fixture], index)))
    return out


# -- the oracle ------------------------------------------------------------------------------------------------
class SiteLookups:
    """The fuzz site's users and courses, as the platform lookups would find them (external id = UUID(int=id))."""

    def actors(self, refs: set[Any], mode: Any) -> dict[Any, str]:
        """External ids of the references that name a site user."""
        out = {}
        for ref in refs:
            user_id = ref if isinstance(ref, int) else USERNAMES.get(ref, int(ref) if ref.isdigit() else None)
            if user_id in USER_IDS:
                out[ref] = str(uuid.UUID(int=user_id))
        return out

    def course_names(self, course_ids: set[str]) -> dict[str, str]:
        """Display names of the site's courses."""
        return {course_id: COURSES[course_id] for course_id in course_ids if course_id in COURSES}


def oracle(texts: list[str], max_event_bytes: int = MAX_EVENT_BYTES) -> tuple[set[str], Counter[str], list[str]]:
    """What the worker must make of buffered texts: statement ids, quarantine counts by reason, fate per text.

    The counts are of distinct quarantined events: the same bad text sent twice is one quarantined event (one row).
    """
    config = TransformConfig(lms_root_url=LMS, max_event_bytes=max_event_bytes)
    fates: list[str] = []
    ids: set[str] = set()
    reasons: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for text in texts:  # one at a time: each fate is the event's own
        result = transform_batch([text], config, SiteLookups())
        if result.statements:
            ids.update(statement.id for statement in result.statements)
            fates.append(STORED)
        else:
            (rejection,) = result.rejections
            if (str(rejection.reason), rejection.raw) not in seen:
                seen.add((str(rejection.reason), rejection.raw))
                reasons[str(rejection.reason)] += 1
            fates.append(str(rejection.reason))
    return ids, reasons, fates
