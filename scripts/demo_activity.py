"""The demo's simulated learners: they enroll, join a cohort, watch videos, answer problems, navigate, earn grades.

Everything goes through the platform's own code paths (the stand-in's models emit the openedx-events; tracking
events go through eventtracking's tracker to every configured backend, ours included), so the demo exercises the
same receivers, buffer, Celery tasks and writers as a real site.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Activity:
    """What the simulation did."""

    learners: int = 0
    tracking_events: Counter[str] = field(default_factory=Counter)
    users: list[Any] = field(default_factory=list)


#: The course's cohorts; each learner is put in one.
COHORTS = ("Morning group", "Evening group")


def _session(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


def simulate(course_key: Any, components: list[Any], subsections: list[Any], learners: int, seed: int,
             username_prefix: str = "learner", progress: Callable[[], None] | None = None) -> Activity:
    """Create ``learners`` learners and drive their activity in the course; return what was emitted.

    Usernames are ``<username_prefix><n>``: a rerun of the demo passes a new prefix, so its learners are new users.
    ``progress`` is called once per learner done.
    """
    from eventtracking import tracker
    from standin import factories

    rng = random.Random(seed)
    videos = [key for key in components if key.block_type == "video"]
    problems = [key for key in components if key.block_type == "problem"]
    activity = Activity()
    course_id = str(course_key)
    emitter = tracker.get_tracker()

    def emit(user: Any, name: str, data: dict[str, Any], session: str) -> None:
        context = {
            "user_id": user.id,
            "username": user.username,
            "course_id": course_id,
            "org_id": course_key.org,
            "session": session,
            "path": "/event",
        }
        with emitter.context("oars.demo", context):
            emitter.emit(name, data)
        activity.tracking_events[name] += 1

    for number in range(1, learners + 1):
        user = factories.create_user(f"{username_prefix}{number}")
        activity.learners += 1
        activity.users.append(user)
        mode = rng.choices(["audit", "verified"], weights=[3, 1])[0]
        factories.enroll(user, course_key, mode=mode)
        factories.add_to_cohort(user, course_key, rng.choice(COHORTS))
        session = _session(rng)
        for sequence in rng.sample(subsections, k=min(len(subsections), rng.randint(1, 4))):
            emit(user, "edx.ui.lms.sequence.next_selected",
                 {"current_tab": 1, "id": str(sequence), "tab_count": 3, "target_tab": 2, "widget_placement": "top"},
                 session)
        for video in rng.sample(videos, k=min(len(videos), rng.randint(1, 3))):
            duration = float(rng.choice([95, 180, 300, 420]))
            block = video.block_id
            emit(user, "load_video", {"id": block, "duration": duration, "code": "html5"}, session)
            position = 0.0
            for _ in range(rng.randint(1, 4)):
                emit(user, "play_video", {"id": block, "currentTime": position, "duration": duration, "code": "html5"},
                     session)
                position = min(duration, position + rng.uniform(10, duration / 2))
                emit(user, "pause_video", {"id": block, "currentTime": position, "duration": duration,
                                           "code": "html5"}, session)
            if rng.random() < 0.3:
                emit(user, "seek_video", {"id": block, "old_time": position, "new_time": position / 2,
                                          "type": "onSlideSeek", "duration": duration, "code": "html5"}, session)
            if rng.random() < 0.2:
                emit(user, "speed_change_video", {"id": block, "current_time": position, "old_speed": "1.0",
                                                  "new_speed": "1.5", "duration": duration, "code": "html5"}, session)
            if position >= duration * 0.9:
                emit(user, "complete_video", {"id": block, "duration": duration, "code": "html5"}, session)
            emit(user, "edx.completion.block_completion.changed",
                 {"user_id": user.id, "course_id": course_id, "block_id": str(video), "block_type": "video",
                  "completion": 1.0 if position >= duration * 0.9 else 0.5}, session)
        for problem in rng.sample(problems, k=min(len(problems), rng.randint(1, 3))):
            skill = rng.random()
            for attempt in range(1, rng.randint(1, 3) + 1):
                correct = rng.random() < skill + 0.2 * attempt
                part = f"{problem.block_id}_2_1"
                emit(user, "problem_check", {
                    "problem_id": str(problem),
                    "attempts": attempt,
                    "grade": 1 if correct else 0,
                    "max_grade": 1,
                    "success": "correct" if correct else "incorrect",
                    "answers": {part: "choice_1" if correct else "choice_0"},
                    "submission": {part: {"question": "Which option is right?", "answer": "An option",
                                          "response_type": "multiplechoiceresponse", "input_type": "choicegroup",
                                          "correct": correct, "variant": "", "group_label": ""}},
                }, session)
                if correct:
                    break
        grade = round(rng.uniform(0.2, 1.0), 2)
        factories.set_grade(user, course_key, grade)
        factories.emit_passing_status(user, course_key, grade >= 0.5)  # as the platform's grade update does
        if grade >= 0.5 and mode == "verified":
            factories.issue_certificate(user, course_key, grade=f"{grade:.2f}")
        if progress is not None:
            progress()
    return activity


def burst(course_key: Any, components: list[Any], users: list[Any], count: int, seed: int) -> int:
    """``count`` video events from the cohort as fast as the tracker takes them (a busy minute on a real site)."""
    from eventtracking import tracker

    rng = random.Random(seed)
    videos = [key.block_id for key in components if key.block_type == "video"]
    emitter = tracker.get_tracker()
    for index in range(count):
        user = users[index % len(users)]
        context = {"user_id": user.id, "course_id": str(course_key), "org_id": course_key.org, "path": "/event"}
        with emitter.context("oars.demo", context):
            emitter.emit("play_video" if index % 2 else "pause_video",
                         {"id": rng.choice(videos), "currentTime": index % 300, "duration": 300.0, "code": "html5"})
    return count
