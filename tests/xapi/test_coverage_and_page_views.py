"""Supported events (65 of ERB + the language-menu pair), the registry, and page views (rule 7)."""

from __future__ import annotations

from typing import Any

import pytest

from oars_platform.xapi import Reason, supported_events
from oars_platform.xapi.constants import EXT_VIDEO_CC_LANG, EXT_VIDEO_LENGTH
from oars_platform.xapi.registry import DuplicateEventError, Registry

from .support import LMS, load_event, run

SPEC_EVENTS = {
    "edx.course.enrollment.activated", "edx.course.enrollment.mode_changed", "edx.course.enrollment.deactivated",
    "edx.course.grade.passed.first_time", "edx.course.grade.now_passed", "edx.course.grade.now_failed",
    "edx.grades.subsection.grade_calculated", "edx.grades.course.grade_calculated",
    "edx.completion.block_completion.changed", "problem_check", "showanswer",
    "edx.problem.hint.demandhint_displayed", "edx.grades.problem.submitted", "edx.problem.completed",
    "load_video", "edx.video.loaded", "play_video", "edx.video.played", "pause_video", "edx.video.paused",
    "stop_video", "edx.video.stopped", "complete_video", "edx.video.completed", "seek_video",
    "edx.video.position.changed", "speed_change_video", "show_transcript", "edx.video.transcript.shown",
    "video_show_cc_menu", "edx.video.closed_captions.shown", "hide_transcript", "edx.video.transcript.hidden",
    "video_hide_cc_menu", "edx.video.closed_captions.hidden", "edx.ui.lms.link_clicked",
    "edx.ui.lms.outline.selected", "edx.ui.lms.sequence.outline.selected", "edx.ui.lms.sequence.next_selected",
    "edx.ui.lms.sequence.previous_selected", "edx.ui.lms.sequence.tab_selected",
    *(f"edx.forum.{kind}.{action}" for kind in ("thread", "response", "comment")
      for action in ("created", "edited", "deleted", "reported", "unreported")),
    "edx.forum.thread.viewed", "edx.forum.thread.voted", "edx.forum.response.voted",
    *(f"edx.special_exam.{kind}.attempt.{action}" for kind in ("timed", "practice", "proctored")
      for action in ("created", "submitted")),
}


def test_every_spec_event_and_the_language_menu_pair_are_supported() -> None:
    assert len(SPEC_EVENTS) == 65
    assert set(supported_events()) == SPEC_EVENTS | {"edx.video.language_menu.shown",
                                                     "edx.video.language_menu.hidden"}


def test_registry_refuses_duplicates() -> None:
    registry = Registry()
    registry.register("a", "b")(lambda event, builder: [])
    with pytest.raises(DuplicateEventError):
        registry.register("b")(lambda event, builder: [])
    assert set(registry.names()) == {"a", "b"} and "a" in registry and len(registry) == 2


def _language_menu(name: str, **data: Any) -> dict[str, Any]:
    event = load_event("video_show_cc_menu.json")
    event["name"] = name
    event["data"] = {"id": "0b9e39477cf34507a7a48f74be381fdd", "code": "html5", "duration": 194, **data}
    return event


def test_language_menu_pair() -> None:
    shown, hidden, hidden_no_lang = run([
        _language_menu("edx.video.language_menu.shown"),
        _language_menu("edx.video.language_menu.hidden", language="fr"),
        _language_menu("edx.video.language_menu.hidden"),
    ]).statements
    for row in (shown, hidden, hidden_no_lang):
        statement = row.statement
        assert statement["verb"] == {"id": "http://adlnet.gov/expapi/verbs/interacted", "display": {"en": "interacted"}}
        assert statement["object"]["definition"] == {"type": "https://w3id.org/xapi/video/activity-type/video"}
        assert statement["context"]["extensions"][EXT_VIDEO_LENGTH] == 194.0
        assert "result" not in statement
    assert hidden.statement["context"]["extensions"][EXT_VIDEO_CC_LANG] == "fr"
    assert EXT_VIDEO_CC_LANG not in shown.statement["context"]["extensions"]
    assert EXT_VIDEO_CC_LANG not in hidden_no_lang.statement["context"]["extensions"]


PAGE_PATH = "/courses/course-v1:edX+DemoX+Demo_Course/courseware/interactive_demonstrations/"


def _page_view() -> dict[str, Any]:
    event = load_event("showanswer.json")
    event.update(name=PAGE_PATH, data={"GET": {}, "POST": {}})
    event["context"]["path"] = PAGE_PATH
    return event


def test_page_views_are_off_by_default() -> None:
    result = run([_page_view()])
    assert result.statements == []
    assert [r.reason for r in result.rejections] == [Reason.DISABLED_EVENT]


def test_page_views_on_with_the_flag() -> None:
    [row] = run([_page_view()], page_views_enabled=True).statements
    statement = row.statement
    assert statement["verb"] == {"id": "http://id.tincanapi.com/verb/viewed", "display": {"en": "viewed"}}
    assert statement["object"] == {"id": f"{LMS}{PAGE_PATH}", "objectType": "Activity",
                                   "definition": {"type": "http://activitystrea.ms/schema/1.0/page"}}
    parent = statement["context"]["contextActivities"]["parent"][0]
    assert parent["id"] == f"{LMS}/course/course-v1:edX+DemoX+Demo_Course"


def test_page_view_flag_does_not_change_other_events() -> None:
    events = [load_event("play_video.json"), load_event("showanswer.json")]
    off = [s.statement for s in run(events).statements]
    on = [s.statement for s in run(events, page_views_enabled=True).statements]
    assert off == on
    # Non-course URL paths stay unknown even with the flag on.
    other = dict(_page_view(), name="/dashboard")
    assert [r.reason for r in run([other], page_views_enabled=True).rejections] == [Reason.UNKNOWN_EVENT]
