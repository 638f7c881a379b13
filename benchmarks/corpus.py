"""Seeded, reproducible generator of realistic Open edX tracking events, for benchmarks and tests.

API (small on purpose; other benchmarks build on it):

* `generate(n, seed=0, ...) -> Corpus`: `n` live-shape events (`{name, timestamp, context, data}`), timestamps
  increasing, mix ≈ video 40 %, navigation 25 %, problems 20 %, enrollment/grades/completion/forum/exam 15 %
  (plus `page_view_share` of `/courses/...` page views if asked). `Corpus` also carries the user ids, usernames,
  course ids and the lookup tables (external ids, emails, course names) a benchmark needs to prefill fake lookups.
* `to_log_line(event) -> str`: the tracking.log form of a live event (legacy top-level fields, `event` as a JSON
  string, `time`), optionally behind a logging prefix.
* `write_tracking_log(path, events, gzip=None) -> int`: writes log lines (gzip if the name ends in `.gz` or
  `gzip=True`), returns the number of lines.

Same `n`, `seed` and arguments give byte-identical output.
"""

from __future__ import annotations

import gzip as gzip_module
import json
import random
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ORGS = ("edX", "MITx", "HarvardX", "OpenCraft", "UniversityX")
TOPICS = ("Physics", "Data_Science", "History", "Python", "Statistics", "Biology", "Economics", "Design")
AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
)
HOST = "courses.example.org"
LMS = f"https://{HOST}"
START = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)

# (family, share). Kept as data so the mix is visible and adjustable in one place.
MIX: tuple[tuple[str, float], ...] = (
    ("video", 0.40), ("navigation", 0.25), ("problem", 0.20), ("enrollment", 0.03), ("grades", 0.04),
    ("completion", 0.04), ("forum", 0.03), ("exam", 0.01),
)


@dataclass
class Course:
    """A course with some blocks of each type."""

    course_id: str
    name: str
    videos: list[str]
    problems: list[str]
    sequentials: list[str]

    def key(self, block_type: str, block_hex: str) -> str:
        """Usage key of a block in this course."""
        return f"block-v1:{self.course_id.split(':', 1)[1]}+type@{block_type}+block@{block_hex}"


@dataclass
class Corpus:
    """Generated events plus the reference data needed to resolve them."""

    events: list[dict[str, Any]]
    user_ids: set[int] = field(default_factory=set)
    usernames: dict[int, str] = field(default_factory=dict)
    course_ids: set[str] = field(default_factory=set)
    course_names: dict[str, str] = field(default_factory=dict)
    external_ids: dict[int, str] = field(default_factory=dict)
    emails: dict[int, str] = field(default_factory=dict)
    lms_root_url: str = LMS


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def _make_courses(rng: random.Random, count: int) -> list[Course]:
    courses = []
    for index in range(count):
        org = ORGS[index % len(ORGS)]
        topic = TOPICS[index % len(TOPICS)]
        course_id = f"course-v1:{org}+{topic}{100 + index}+{2023 + index % 2}_T{1 + index % 3}"
        courses.append(Course(course_id, f"{topic.replace('_', ' ')} {100 + index}",
                              [_hex(rng) for _ in range(40)], [_hex(rng) for _ in range(60)],
                              [_hex(rng) for _ in range(15)]))
    return courses


class _Generator:
    def __init__(self, seed: int, learners: int, courses: int) -> None:
        self.rng = random.Random(seed)
        self.courses = _make_courses(self.rng, courses)
        self.learners = learners
        self.sessions = {uid: _hex(self.rng) for uid in range(1, learners + 1)}
        self.now = START

    def _context(self, uid: int, course: Course, source: str, path: str) -> dict[str, Any]:
        rng = self.rng
        return {
            "course_id": course.course_id,
            "org_id": course.course_id.split(":")[1].split("+")[0],
            "user_id": uid,
            "username": f"learner{uid}",
            "session": self.sessions[uid],
            "ip": f"10.{uid % 250}.{(uid // 250) % 250}.{1 + uid % 200}",
            "agent": AGENTS[uid % len(AGENTS)],
            "host": HOST,
            "path": path,
            "referer": f"{LMS}/courses/{course.course_id}/courseware/{rng.choice(course.sequentials)}/",
            "accept_language": "en-US,en;q=0.9",
            "client_id": f"{rng.randint(10**8, 10**9)}.{rng.randint(10**9, 2 * 10**9)}",
            "event_source": source,
            "page": f"{LMS}/courses/{course.course_id}/courseware/",
        }

    def event(self, family: str) -> dict[str, Any]:
        rng = self.rng
        self.now += timedelta(microseconds=rng.randint(1_000, 400_000))
        uid = rng.randint(1, self.learners)
        course = rng.choice(self.courses)
        name, data, source, path = getattr(self, f"_{family}")(course, uid)
        return {"name": name, "timestamp": self.now.isoformat(), "context": self._context(uid, course, source, path),
                "data": data}

    # One method per family: returns (name, data, event_source, request path).
    def _video(self, course: Course, uid: int) -> tuple[str, Any, str, str]:
        rng = self.rng
        name = rng.choices(
            ("play_video", "pause_video", "seek_video", "load_video", "stop_video", "complete_video",
             "speed_change_video", "show_transcript", "hide_transcript", "edx.video.closed_captions.shown",
             "edx.video.played", "edx.video.paused"),
            (26, 22, 10, 14, 5, 3, 3, 4, 3, 2, 5, 3))[0]
        duration = rng.choice((95, 184.5, 312, 605.2, 1210))
        data: dict[str, Any] = {"id": rng.choice(course.videos), "code": "html5", "duration": duration}
        position = round(rng.uniform(0.5, duration), 6)
        if name == "seek_video":
            data.update(old_time=position, new_time=round(rng.uniform(0, duration), 3), type="onSlideSeek")
        elif name == "speed_change_video":
            data.update(current_time=position, old_speed="1.0", new_speed=rng.choice(("1.25", "1.5", "2.0")))
        elif name in ("play_video", "pause_video", "stop_video") and rng.random() < 0.5:
            data["currentTime"] = position
        elif name != "load_video":
            data["current_time"] = position
        return name, data, "browser" if not name.startswith("edx.") else "mobile", "/event"

    def _navigation(self, course: Course, uid: int) -> tuple[str, Any, str, str]:
        rng = self.rng
        name = rng.choices(("edx.ui.lms.sequence.next_selected", "edx.ui.lms.sequence.previous_selected",
                            "edx.ui.lms.sequence.tab_selected", "edx.ui.lms.outline.selected",
                            "edx.ui.lms.link_clicked"), (40, 15, 20, 15, 10))[0]
        seq = course.key("sequential", rng.choice(course.sequentials))
        if name.startswith("edx.ui.lms.sequence"):
            tab = rng.randint(1, 9)
            data: dict[str, Any] = {"current_tab": tab, "id": seq, "tab_count": 10, "widget_placement": "top"}
            if name.endswith("tab_selected"):
                data["target_tab"] = rng.randint(1, 10)
        else:
            data = {"current_url": f"{LMS}/courses/{course.course_id}/course/",
                    "target_url": f"{LMS}/courses/{course.course_id}/jump_to/{seq}"}
            if name == "edx.ui.lms.outline.selected":
                data.update(target_name=f"Lesson {rng.randint(1, 12)}", widget_placement="accordion")
        return name, data, "browser", "/event"

    def _problem(self, course: Course, uid: int) -> tuple[str, Any, str, str]:
        rng = self.rng
        block_hex = rng.choice(course.problems)
        problem_id = course.key("problem", block_hex)
        path = f"/courses/{course.course_id}/xblock/{problem_id}/handler/xmodule_handler/problem_check"
        kind = rng.choices(("server", "browser", "showanswer", "hint", "submitted"), (55, 20, 8, 7, 10))[0]
        if kind == "browser":
            return "problem_check", f"input_{block_hex}_2_1=choice_{rng.randint(0, 3)}", "browser", "/event"
        if kind == "showanswer":
            return "showanswer", {"problem_id": problem_id}, "server", path
        if kind == "hint":
            return ("edx.problem.hint.demandhint_displayed",
                    {"hint_index": rng.randint(0, 2), "hint_len": 3, "hint_text": "Think again.",
                     "module_id": problem_id}, "server", path)
        if kind == "submitted":
            possible = rng.choice((1, 2, 3))
            return ("edx.grades.problem.submitted",
                    {"course_id": course.course_id, "problem_id": problem_id, "user_id": str(uid),
                     "weighted_earned": rng.randint(0, possible), "weighted_possible": possible,
                     "event_transaction_id": str(uuid.UUID(int=rng.getrandbits(128)))}, "server", path)
        questions = rng.choices((1, 2, 3), (70, 20, 10))[0]
        submission = {}
        for index in range(questions):
            correct = rng.random() < 0.6
            submission[f"{block_hex}_{index + 2}_1"] = {
                "question": f"Question {index + 1}?", "answer": rng.choice(("blue", ["a piano", "a guitar"])),
                "response_type": rng.choice(("choiceresponse", "optionresponse", "numericalresponse")),
                "input_type": "choicegroup", "correct": correct, "variant": "", "group_label": ""}
        grade = sum(1 for sub in submission.values() if sub["correct"])
        data = {"answers": {key: sub["answer"] for key, sub in submission.items()}, "attempts": rng.randint(1, 5),
                "grade": grade, "max_grade": questions, "problem_id": problem_id,
                "success": "correct" if grade == questions else "incorrect", "submission": submission}
        return "problem_check", data, "server", path

    def _enrollment(self, course: Course, uid: int) -> tuple[str, Any, str, str]:
        name = self.rng.choices(("edx.course.enrollment.activated", "edx.course.enrollment.deactivated",
                                 "edx.course.enrollment.mode_changed"), (75, 15, 10))[0]
        data = {"course_id": course.course_id, "mode": self.rng.choice(("audit", "verified")), "user_id": uid}
        return name, data, "server", "/change_enrollment"

    def _grades(self, course: Course, uid: int) -> tuple[str, Any, str, str]:
        rng = self.rng
        name = rng.choices(("edx.grades.subsection.grade_calculated", "edx.grades.course.grade_calculated",
                            "edx.course.grade.passed.first_time"), (60, 35, 5))[0]
        if name == "edx.grades.subsection.grade_calculated":
            possible = float(rng.randint(1, 10))
            data: dict[str, Any] = {"user_id": str(uid), "course_id": course.course_id,
                                    "block_id": course.key("sequential", rng.choice(course.sequentials)),
                                    "weighted_total_earned": float(rng.randint(0, int(possible))),
                                    "weighted_total_possible": possible}
        elif name == "edx.grades.course.grade_calculated":
            percent = round(rng.random(), 2)
            data = {"user_id": str(uid), "course_id": course.course_id, "percent_grade": percent,
                    "letter_grade": "Pass" if percent >= 0.5 else ""}
        else:
            data = {"user_id": uid, "course_id": course.course_id}
        return name, data, "server", "/courses/handler"

    def _completion(self, course: Course, uid: int) -> tuple[str, Any, str, str]:
        block = course.key("problem", self.rng.choice(course.problems))
        data = {"user_id": uid, "course_id": course.course_id, "block_id": block, "block_type": "problem",
                "completion": self.rng.choice((1.0, 1.0, 0.5)), "is_new": False}
        return "edx.completion.block_completion.changed", data, "server", "/courses/handler"

    def _forum(self, course: Course, uid: int) -> tuple[str, Any, str, str]:
        rng = self.rng
        name = rng.choices(("edx.forum.thread.viewed", "edx.forum.thread.created", "edx.forum.response.created",
                            "edx.forum.comment.created", "edx.forum.thread.voted"), (50, 10, 15, 15, 10))[0]
        object_id = f"{rng.getrandbits(96):024x}"
        data: dict[str, Any] = {"id": object_id, "commentable_id": "course", "url": LMS,
                                "user_forums_roles": ["Student"], "user_course_roles": []}
        kind = "threads" if ".thread." in name else "comments"
        path = f"/api/discussion/v1/{kind}/" + (object_id + "/" if name.endswith(("voted", "viewed")) else "")
        if name == "edx.forum.thread.created":
            data.update(title="A question about week 3", thread_type="discussion", body="<p>Hello</p>")
        elif name.endswith("voted"):
            data.update(vote_value="up", undo_vote=False)
        elif name != "edx.forum.thread.viewed":
            data["discussion"] = {"id": f"{rng.getrandbits(96):024x}"}
        return name, data, "server", path

    def _exam(self, course: Course, uid: int) -> tuple[str, Any, str, str]:
        rng = self.rng
        kind = rng.choice(("timed", "proctored", "practice"))
        action = rng.choice(("created", "submitted"))
        data = {"exam_id": rng.randint(1, 50), "exam_content_id": course.key("sequential", course.sequentials[0]),
                "exam_name": "Midterm", "exam_default_time_limit_mins": 60, "attempt_id": rng.randint(1, 10**6),
                "attempt_user_id": uid, "attempt_code": str(uuid.UUID(int=rng.getrandbits(128))).upper(),
                "attempt_started_at": self.now.isoformat(), "attempt_status": action,
                "attempt_completed_at": self.now.isoformat() if action == "submitted" else None,
                "attempt_event_elapsed_time_secs": round(rng.uniform(100, 3600), 4) if action == "submitted" else None}
        path = "/api/edx_proctoring/v1/proctored_exam/attempt"
        return f"edx.special_exam.{kind}.attempt.{action}", data, "server", path

    def _page_view(self, course: Course, uid: int) -> tuple[str, Any, str, str]:
        seq = self.rng.choice(course.sequentials)
        path = f"/courses/{course.course_id}/courseware/{seq}/"
        return path, {"GET": {}, "POST": {}}, "server", path


def generate(n: int, seed: int = 0, *, learners: int = 5000, courses: int = 8,
             page_view_share: float = 0.0) -> Corpus:
    """`n` live-shape events from `learners` learners in `courses` courses, deterministic for a given seed."""
    gen = _Generator(seed, learners, courses)
    families = [family for family, _ in MIX]
    weights = [share for _, share in MIX]
    if page_view_share:
        families.append("page_view")
        weights = [w * (1 - page_view_share) for w in weights] + [page_view_share]
    chosen = gen.rng.choices(families, weights, k=n)
    events = [gen.event(family) for family in chosen]
    corpus = Corpus(events)
    for uid in range(1, learners + 1):
        corpus.user_ids.add(uid)
        corpus.usernames[uid] = f"learner{uid}"
        corpus.external_ids[uid] = str(uuid.UUID(int=(seed << 64) ^ uid * 0x9E3779B97F4A7C15 % (1 << 128), version=4))
        corpus.emails[uid] = f"learner{uid}@example.org"
    for course in gen.courses:
        corpus.course_ids.add(course.course_id)
        corpus.course_names[course.course_id] = course.name
    return corpus


LOG_TOP_LEVEL = ("username", "session", "ip", "agent", "host", "referer", "accept_language", "event_source", "page")


def to_log_line(event: dict[str, Any], prefix: str = "") -> str:
    """The tracking.log line for a live event (what edx-platform's tracking logger writes)."""
    context = dict(event.get("context") or {})
    line: dict[str, Any] = {"name": event["name"], "context": context}
    for key in LOG_TOP_LEVEL:
        if key in context:
            line[key] = context.pop(key)
    data = event.get("data")
    line["event"] = data if isinstance(data, str) else json.dumps(data)  # browser problem_check: a form string
    line["time"] = event["timestamp"]
    line["event_type"] = event["name"]
    return prefix + json.dumps(line)


def write_tracking_log(path: str | Path, events: Iterable[dict[str, Any]], gzip: bool | None = None,
                       prefix: str = "") -> int:
    """Write events as tracking.log lines; gzip when asked or when the file name ends in `.gz`."""
    path = Path(path)
    use_gzip = path.suffix == ".gz" if gzip is None else gzip
    opener = gzip_module.open if use_gzip else open
    count = 0
    with opener(path, "wt", encoding="utf-8") as handle:
        for event in events:
            handle.write(to_log_line(event, prefix) + "\n")
            count += 1
    return count
