"""Video events (spec §3.2 rows 16-24, §3.3) and the transcript-language menu pair (contract rule 4).

Every statement has the video as object and, in context, the video length. The table below says, per event name,
which verb and which result it gets; the result builders are small functions.

Decisions where ERB has no clear rule (each backed by a fixture without an expected statement):
* `data.duration` is required for every video event except `initialized` (the player may load before it knows the
  length, `load_video` sends 0 or nothing): `edx.video.closed_captions.hidden.null.duration` and
  `play_video.required.only.data` are rejected with `missing_field` `data.duration`.
* seeks need both `old_time` and `new_time` (`postion_changed_video` is rejected: `missing_field` `data.old_time`).
* played/paused/stopped/transcript time is `current_time or currentTime` exactly as ERB reads it, so a time of 0
  without `currentTime` is omitted, leaving `"result": {"extensions": {}}` (ERB parity).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from oars_platform.xapi import common
from oars_platform.xapi import constants as c
from oars_platform.xapi.common import StatementBuilder, Verb
from oars_platform.xapi.inputs import Event
from oars_platform.xapi.registry import register
from oars_platform.xapi.results import invalid, missing

ResultBuilder = Callable[[Event], dict[str, Any] | None]
_EXACT_INT = 2**53  # ints below this convert to float exactly


def seconds(value: Any, field_name: str) -> float | None:
    """ERB `convert_seconds_to_float`: round to 3 decimals; numeric strings accepted, None passes through."""
    if value is None:
        return None
    kind = type(value)
    if kind is float and math.isfinite(value):
        return round(value, 3)
    if kind is int and -_EXACT_INT < value < _EXACT_INT:
        return float(value)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise invalid(f"{field_name} is not a number", field_name) from None
    value = common.number(value, field_name)
    try:
        # Same value as ERB's float("%.3f" % x): both round the exact binary value to 3 decimals, correctly.
        return round(float(value), 3)
    except OverflowError:
        raise invalid(f"{field_name} is out of range", field_name) from None


def iso_duration(total: float) -> str:
    """Serialise `Result.duration` seconds as tincan does: 195 → `PT03M15S`, 3.5 → `PT03.5S`."""
    if total < 0:
        raise invalid("negative duration", "data.duration")
    minutes, secs = divmod(total, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    whole_days, whole_hours, whole_minutes = int(days), int(hours), int(minutes)
    secs = round(secs, 6)
    date = f"{whole_days}D" if whole_days else ""
    time = "T"
    bigger = bool(date) or bool(whole_hours)
    if bigger:
        time += f"{whole_hours:02}H"
    bigger = bigger or bool(whole_minutes)
    if bigger:
        time += f"{whole_minutes:02}M"
    time += f"{int(secs):02}S" if float(secs).is_integer() else f"{secs:09.6f}".rstrip("0") + "S"
    return "P" + date + time


def _time(event: Event) -> float | None:
    return seconds(event.get("current_time") or event.get("currentTime"), "data.current_time")


def no_result(event: Event) -> dict[str, Any] | None:
    """Initialized and the language menu carry no result."""
    return None


def time_result(event: Event) -> dict[str, Any] | None:
    """Played, paused, terminated: the playhead position."""
    time = _time(event)
    return {"extensions": {} if time is None else {c.EXT_VIDEO_TIME: time}}


def completed_result(event: Event) -> dict[str, Any] | None:
    """Completed: time and duration are the video length."""
    length = seconds(event.need("duration"), "data.duration")
    return {"extensions": {c.EXT_VIDEO_TIME: length}, "completion": True, "duration": iso_duration(length or 0.0)}


def seek_result(event: Event) -> dict[str, Any] | None:
    """Seeked: from and to positions, both required."""
    return {"extensions": {
        c.EXT_VIDEO_TIME_FROM: seconds(event.need("old_time"), "data.old_time"),
        c.EXT_VIDEO_TIME_TO: seconds(event.need("new_time"), "data.new_time"),
    }}


def _speed(event: Event, key: str) -> str | None:
    value = event.get(key)
    if value is None:
        return None
    if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
        return f"{value}x"
    raise invalid(f"data.{key} must be a string or number", f"data.{key}")


def speed_result(event: Event) -> dict[str, Any] | None:
    """Speed change: "1.0x" → "1.25x"; missing speeds are omitted (deliberate difference: ERB raises TypeError)."""
    return {"extensions": common.drop_none({
        c.EXT_SPEED_FROM: _speed(event, "old_speed"),
        c.EXT_SPEED_TO: _speed(event, "new_speed"),
    })}


def _cc_result(event: Event, enabled: bool) -> dict[str, Any]:
    time = _time(event)
    extensions: dict[str, Any] = {} if time is None else {c.EXT_VIDEO_TIME: time}
    extensions[c.EXT_VIDEO_CC_ENABLED] = enabled
    return {"extensions": extensions}


def cc_shown_result(event: Event) -> dict[str, Any] | None:
    """Transcript/captions shown."""
    return _cc_result(event, True)


def cc_hidden_result(event: Event) -> dict[str, Any] | None:
    """Transcript/captions hidden."""
    return _cc_result(event, False)


# event name → (verb, result builder). Browser (legacy) names and mobile `edx.video.*` names side by side.
VIDEO_EVENTS: dict[str, tuple[Verb, ResultBuilder]] = {
    "load_video": (common.INITIALIZED, no_result),
    "edx.video.loaded": (common.INITIALIZED, no_result),
    "play_video": (common.PLAYED, time_result),
    "edx.video.played": (common.PLAYED, time_result),
    "pause_video": (common.PAUSED, time_result),
    "edx.video.paused": (common.PAUSED, time_result),
    "stop_video": (common.TERMINATED, time_result),
    "edx.video.stopped": (common.TERMINATED, time_result),
    "complete_video": (common.COMPLETED, completed_result),
    "edx.video.completed": (common.COMPLETED, completed_result),
    "seek_video": (common.SEEKED, seek_result),
    "edx.video.position.changed": (common.SEEKED, seek_result),
    "speed_change_video": (common.INTERACTED, speed_result),
    "show_transcript": (common.INTERACTED, cc_shown_result),
    "edx.video.transcript.shown": (common.INTERACTED, cc_shown_result),
    "video_show_cc_menu": (common.INTERACTED, cc_shown_result),
    "edx.video.closed_captions.shown": (common.INTERACTED, cc_shown_result),
    "hide_transcript": (common.INTERACTED, cc_hidden_result),
    "edx.video.transcript.hidden": (common.INTERACTED, cc_hidden_result),
    "video_hide_cc_menu": (common.INTERACTED, cc_hidden_result),
    "edx.video.closed_captions.hidden": (common.INTERACTED, cc_hidden_result),
    # Not transformed by ERB (allowed but dropped); contract rule 4.
    "edx.video.language_menu.shown": (common.INTERACTED, no_result),
    "edx.video.language_menu.hidden": (common.INTERACTED, no_result),
}
LENGTH_OPTIONAL = frozenset({"load_video", "edx.video.loaded"})


@register(*VIDEO_EVENTS)
def transform_video(event: Event, builder: StatementBuilder) -> list[dict[str, Any]]:
    """Any video player event."""
    name = event.name
    verb, result_builder = VIDEO_EVENTS[name]
    block = common.usage_key(builder.need_course_id(), "video", event.iri_part("id"))
    obj = {"id": f"{builder.lms}/xblock/{block}", "objectType": "Activity", "definition": {"type": c.ACTIVITY_VIDEO}}
    length = seconds(event.get("duration"), "data.duration")
    if length is None:
        if name not in LENGTH_OPTIONAL:
            raise missing("data.duration")
        extensions: dict[str, Any] = {}
    else:
        extensions = {c.EXT_VIDEO_LENGTH: length}
    if name == "edx.video.language_menu.hidden":
        language = event.text("language")
        if language is not None:
            extensions[c.EXT_VIDEO_CC_LANG] = language
    return [builder.build(verb, obj, result=result_builder(event), extensions=extensions)]
