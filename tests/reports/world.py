"""A seeded little LMS for report tests: two published courses, learners, and realistic tracking events for them.

Events are live-shape tracking events (``{name, timestamp, context, data}``) naming the courses' real blocks, so the
real transform turns them into statements and the course dump supplies names and places. ``ingest_messily`` feeds
them through :func:`oars_platform.ingest.ingest` the way production can: many batches, shuffled (late events), some
events repeated across batches (duplicates), then everything again (a replay).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from standin.courses import BuiltCourse, CourseSpec, build_course

START = dt.datetime(2026, 2, 2, 9, 0, tzinfo=dt.UTC)
LMS = "http://localhost:18000"


@dataclass
class World:
    """What was built: courses (by key), their block keys by type, learners, events."""

    courses: dict[str, BuiltCourse] = field(default_factory=dict)
    blocks: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    learners: list[Any] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def _blocks_by_type(built: BuiltCourse) -> dict[str, list[str]]:
    from xmodule.modulestore.django import modulestore

    found: dict[str, list[str]] = {"chapter": [], "sequential": [], "vertical": [], "video": [], "problem": []}
    for key in built.published_keys:
        if key.block_type in found:
            found[key.block_type].append(str(key))
    store = modulestore()
    assert store is not None
    return found


class _Events:
    """Seeded generator of one learner's events in one course."""

    def __init__(self, rng: random.Random, world: World) -> None:
        self.rng = rng
        self.world = world
        self.now = START

    def _tick(self) -> str:
        self.now += dt.timedelta(seconds=self.rng.randint(1, 5 * 3600), microseconds=self.rng.randint(1, 999_999))
        return self.now.isoformat()

    def emit(self, user, course_key: str, name: str, data: Any, source: str = "server", path: str = "/event") -> None:
        context = {
            "course_id": course_key,
            "org_id": course_key.split(":")[1].split("+", maxsplit=1)[0],
            "user_id": user.id,
            "username": user.username,
            "session": f"{user.id:032x}",
            "path": path,
            "event_source": source,
        }
        self.world.events.append({"name": name, "timestamp": self._tick(), "context": context, "data": data})

    def learner(self, user, course_key: str, blocks: dict[str, list[str]]) -> None:
        rng = self.rng
        mode = rng.choice(("audit", "verified", "honor"))
        self.emit(user, course_key, "edx.course.enrollment.activated", {"course_id": course_key, "mode": mode,
                                                                         "user_id": user.id})
        for _ in range(rng.randint(8, 30)):
            rng.choice((self.video, self.video, self.problem, self.problem, self.navigation, self.other))(
                user, course_key, blocks)
        roll = rng.random()
        if roll < 0.2:
            self.emit(user, course_key, "edx.course.enrollment.deactivated",
                      {"course_id": course_key, "mode": mode, "user_id": user.id})
            if rng.random() < 0.5:
                self.emit(user, course_key, "edx.course.enrollment.activated",
                          {"course_id": course_key, "mode": "audit", "user_id": user.id})
        elif roll < 0.35:
            self.emit(user, course_key, "edx.course.enrollment.mode_changed",
                      {"course_id": course_key, "mode": "verified", "user_id": user.id})

    def video(self, user, course_key: str, blocks: dict[str, list[str]]) -> None:
        rng = self.rng
        video = blocks["video"] and rng.choice(blocks["video"])
        if not video:
            return
        video_hex = video.rsplit("@", 1)[1]
        duration = rng.choice((95.0, 184.5, 312.0))
        position = round(rng.uniform(0, duration / 2), 3)
        self.emit(user, course_key, "load_video", {"id": video_hex, "code": "html5", "duration": duration}, "browser")
        for _ in range(rng.randint(1, 6)):
            name = rng.choices(("play_video", "pause_video", "seek_video", "stop_video", "complete_video",
                                "speed_change_video", "show_transcript", "hide_transcript",
                                "edx.video.closed_captions.shown", "edx.video.closed_captions.hidden"),
                               (30, 25, 10, 5, 6, 4, 4, 3, 3, 2))[0]
            data: dict[str, Any] = {"id": video_hex, "code": "html5", "duration": duration}
            if name == "seek_video":
                new = round(rng.uniform(0, duration), 3)
                data.update(old_time=position, new_time=new, type="onSlideSeek")
                position = new
            elif name == "speed_change_video":
                data.update(current_time=position, old_speed="1.0", new_speed=rng.choice(("1.25", "1.5", "2.0")))
            else:
                data["current_time"] = position
            if name == "complete_video":
                position = duration
            self.emit(user, course_key, name, data, "browser")
            position = round(min(duration, position + rng.uniform(0, 60)), 3)

    def problem(self, user, course_key: str, blocks: dict[str, list[str]]) -> None:
        rng = self.rng
        if not blocks["problem"]:
            return
        problem = rng.choice(blocks["problem"])
        problem_hex = problem.rsplit("@", 1)[1]
        kind = rng.choices(("check", "browser", "answer", "hint"), (75, 10, 8, 7))[0]
        path = f"/courses/{course_key}/xblock/{problem}/handler/xmodule_handler/problem_check"
        if kind == "browser":
            self.emit(user, course_key, "problem_check", f"input_{problem_hex}_2_1=choice_1", "browser")
            return
        if kind == "answer":
            self.emit(user, course_key, "showanswer", {"problem_id": problem}, "server", path)
            return
        if kind == "hint":
            self.emit(user, course_key, "edx.problem.hint.demandhint_displayed",
                      {"hint_index": 0, "hint_len": 2, "hint_text": "Try again", "module_id": problem}, "server", path)
            return
        questions = rng.choices((1, 2), (80, 20))[0]
        submission = {}
        for index in range(questions):
            submission[f"{problem_hex}_{index + 2}_1"] = {
                "question": f"Question {index + 1}?", "answer": rng.choice(("blue", "red")),
                "response_type": "multiplechoiceresponse", "input_type": "choicegroup",
                "correct": rng.random() < 0.5, "variant": "", "group_label": ""}
        grade = sum(1 for sub in submission.values() if sub["correct"])
        data = {"answers": {key: sub["answer"] for key, sub in submission.items()},
                "attempts": rng.randint(1, 4), "grade": grade, "max_grade": questions, "problem_id": problem,
                "success": "correct" if grade == questions else "incorrect", "submission": submission}
        self.emit(user, course_key, "problem_check", data, "server", path)

    def navigation(self, user, course_key: str, blocks: dict[str, list[str]]) -> None:
        rng = self.rng
        name = rng.choice(("edx.ui.lms.sequence.next_selected", "edx.ui.lms.sequence.previous_selected",
                           "edx.ui.lms.sequence.tab_selected", "edx.ui.lms.outline.selected",
                           "edx.ui.lms.link_clicked"))
        target = rng.choice(blocks["sequential"] + blocks["vertical"][:2])
        if name.startswith("edx.ui.lms.sequence"):
            data: dict[str, Any] = {"current_tab": rng.randint(1, 3), "id": target, "tab_count": 3,
                                    "widget_placement": "top"}
            if name.endswith("tab_selected"):
                data["target_tab"] = rng.randint(1, 3)
        else:
            url = f"{LMS}/courses/{course_key}/jump_to/{target}" if rng.random() < 0.8 else "https://example.org/x"
            data = {"current_url": f"{LMS}/courses/{course_key}/course/", "target_url": url}
            if name == "edx.ui.lms.outline.selected":
                data.update(target_name="Lesson", widget_placement="accordion")
        self.emit(user, course_key, name, data, "browser")

    def other(self, user, course_key: str, blocks: dict[str, list[str]]) -> None:
        rng = self.rng
        kind = rng.choice(("grade", "grade", "passed", "failed", "completion", "forum", "subsection"))
        if kind == "grade":
            percent = round(rng.random(), 2)
            self.emit(user, course_key, "edx.grades.course.grade_calculated",
                      {"user_id": str(user.id), "course_id": course_key, "percent_grade": percent,
                       "letter_grade": "Pass" if percent >= 0.5 else ""})
        elif kind == "subsection":
            self.emit(user, course_key, "edx.grades.subsection.grade_calculated",
                      {"user_id": str(user.id), "course_id": course_key, "block_id": blocks["sequential"][0],
                       "weighted_total_earned": 1.0, "weighted_total_possible": 2.0})
        elif kind in ("passed", "failed"):
            name = "edx.course.grade.now_passed" if kind == "passed" else "edx.course.grade.now_failed"
            self.emit(user, course_key, name, {"user_id": user.id, "course_id": course_key})
        elif kind == "completion":
            self.emit(user, course_key, "edx.completion.block_completion.changed",
                      {"user_id": user.id, "course_id": course_key, "block_id": rng.choice(blocks["problem"]),
                       "block_type": "problem", "completion": rng.choice((1.0, 0.5)), "is_new": False})
        else:
            object_id = f"{rng.getrandbits(96):024x}"
            self.emit(user, course_key, "edx.forum.thread.viewed",
                      {"id": object_id, "commentable_id": "course", "url": LMS, "user_forums_roles": ["Student"],
                       "user_course_roles": []}, "server", f"/api/discussion/v1/threads/{object_id}/")


def build_world(seed: int = 7, learners: int = 14) -> World:
    """Two courses (A in org ``OrgA``, B in ``OrgB``), learners with xAPI ids, events; the courses are dumped."""
    from standin.factories import create_user

    from oars_platform.ingest import reset_lookups
    from oars_platform.platform.modulestore import ModulestoreSource
    from oars_platform.sinks.courses import dump_course

    reset_lookups()
    rng = random.Random(seed)
    world = World()
    specs = (CourseSpec(org="OrgA", number="A101", run="2026", display_name="Course <A> & \"friends\"", seed=seed,
                        sections=3, subsections_per_section=2, units_per_subsection=2, components_per_unit=3),
             CourseSpec(org="OrgB", number="B202", run="2026", display_name="Course B", seed=seed + 1,
                        sections=2, subsections_per_section=2, units_per_subsection=1, components_per_unit=3))
    for spec in specs:
        built = build_course(spec)
        key = str(built.course_key)
        world.courses[key] = built
        world.blocks[key] = _blocks_by_type(built)
        dump_course(ModulestoreSource(), key)
    world.learners = [create_user(f"report_learner_{index}") for index in range(learners)]
    generator = _Events(rng, world)
    for user in world.learners:
        for key in world.courses:
            if rng.random() < 0.8:
                generator.learner(user, key, world.blocks[key])
    return world


def ingest_messily(events: list[dict[str, Any]], seed: int = 1) -> None:
    """Ingest out of order, in uneven batches, with duplicates across batches, then replay everything."""
    from oars_platform.ingest import ingest

    rng = random.Random(seed)
    shuffled = list(events)
    rng.shuffle(shuffled)
    extra = rng.sample(shuffled, k=max(1, len(shuffled) // 10))
    stream = shuffled + extra
    position = 0
    while position < len(stream):
        size = rng.randint(1, 40)
        ingest(stream[position : position + size], "test")
        position += size
    ingest(events, "replay")
    _write_duplicates(rng)


def _write_duplicates(rng: random.Random) -> None:
    """Insert stored statements again, straight into the raw table, in uneven batches.

    Our writer never sends a stored statement again, but another writer of the same table may (event-routing-
    backends through Ralph or Vector on a site moving to the plugin): reports must not count those twice either.
    """
    from oars_platform.clickhouse.sql import qualified
    from oars_platform.conf import get_config
    from oars_platform.connection import get_client
    from oars_platform.ingest import RAW_COLUMNS

    client = get_client()
    table = qualified(get_config().databases.xapi, "xapi_events_all")
    rows = client.query(f"SELECT event_id, emission_time, event FROM {table}").rows
    again = rng.sample(rows, k=max(1, len(rows) // 5))
    for start in range(0, len(again), 37):
        client.insert(table, RAW_COLUMNS, again[start:start + 37])
