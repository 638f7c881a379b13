"""`replay_tracking_logs` end to end: generated and reference logs into the embedded engine, summaries exact."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from django.core.management import CommandError

from benchmarks.corpus import to_log_line, write_tracking_log
from oars_platform.ingest import transform
from tests.replay.conftest import counts, quarantined, run_replay, stored

SYSLOG = "Mar  4 08:00:01 lms-1 tracking[4242]: "
LOGGING = "2024-03-04 08:00:01,123 INFO 20 [tracking] [user 7] [ip 10.0.0.1] logger.py:41 - "


def expected_ids(events: list) -> set[str]:
    """Statement ids the live pipeline's transform gives for these events (independently of the reader)."""
    return {statement.id for statement in transform(events).statements}


def test_gzip_and_plain_files_in_a_directory_store_every_statement(clickhouse, corpus_world, tmp_path) -> None:
    events = corpus_world.events
    nested = tmp_path / "logs" / "2024" / "03"
    nested.mkdir(parents=True)
    write_tracking_log(nested / "tracking.log", events[:150])
    write_tracking_log(nested / "tracking.log.1", events[150:300], gzip=True)  # gzip without a .gz name
    write_tracking_log(tmp_path / "logs" / "tracking.log.2.gz", events[300:], prefix=LOGGING)

    summary = run_replay(tmp_path / "logs")

    ids = expected_ids(events)
    assert len(ids) >= len(events)
    assert set(stored(clickhouse)) == ids
    assert summary["lines"] == summary["events"] == summary["transformed"] == len(events)
    assert summary["statements"] == summary["written"] == len(ids)
    assert summary["skipped"] == {} and summary["rejected"] == {}
    assert quarantined(clickhouse) == []


def test_stored_statements_equal_the_live_transform_of_the_same_events(clickhouse, corpus_world, tmp_path) -> None:
    events = corpus_world.events[:60]
    write_tracking_log(tmp_path / "t.log.gz", events)
    run_replay(tmp_path / "t.log.gz")
    live = {statement.id: statement.statement for statement in transform(events).statements}
    assert {key: json.loads(text) for key, text in stored(clickhouse).items()} == live


def _mixed_log(corpus_world, path: Path) -> dict:
    """A log with every kind of line; returns what the summary must say."""
    events = corpus_world.events[:40]
    unknown_user = dict(events[0], context={**events[0]["context"], "user_id": 999_999, "username": "nobody"})
    lines = []
    for index, event in enumerate(events):
        if index % 3 == 0:
            lines.append(json.dumps(event))  # live shape, as the eventtracking backend sees it
        elif index % 3 == 1:
            lines.append(to_log_line(event, SYSLOG))
        else:
            lines.append(to_log_line(event, LOGGING))
    good = len(lines)
    broken = [
        "",
        "   ",
        "not json at all",
        SYSLOG + '{"name": "play_video", "context": {',  # truncated write
        to_log_line(events[1])[:200],  # cut mid-line
        "[1, 2, 3]",
        json.dumps({"event_type": "play_video", "time": "2024-03-04T08:00:00+00:00"}),  # very old: no name
        json.dumps({"name": "", "event_type": "x"}),
        json.dumps({"name": "edx.video.bumper.loaded.not.ours", "timestamp": "2024-03-04T08:00:00+00:00", "data": {}}),
        json.dumps(
            {
                "name": "/courses/course-v1:edX+DemoX+Demo_Course/courseware/",
                "event": "{}",
                "time": "2024-03-04T08:00:00+00:00",
            }
        ),  # page view: off by default
        to_log_line(unknown_user, SYSLOG),
    ]
    path.write_text("\n".join(lines[:20] + broken + lines[20:]) + "\n")
    return {
        "lines": good + len(broken),
        "events": good + 1,
        "transformed": good,
        "skipped": {"blank": 2, "not_json": 4, "no_name": 2, "not_transformed": 2},
        "rejected": {"unknown_user": 1},
        "ids": expected_ids(events),
    }


def test_mixed_shapes_prefixes_broken_lines_and_unknown_events(clickhouse, corpus_world, tmp_path) -> None:
    expected = _mixed_log(corpus_world, tmp_path / "mixed.log")

    summary = run_replay(tmp_path / "mixed.log")

    for key in ("lines", "events", "transformed", "skipped", "rejected"):
        assert summary[key] == expected[key], (key, summary["output"])
    assert summary["statements"] == summary["written"] == len(expected["ids"])
    assert set(stored(clickhouse)) == expected["ids"]
    # what the transform refused is quarantined; what we do not transform, and broken lines, are not
    assert [reason for reason, _ in quarantined(clickhouse)] == ["unknown_user"]
    assert not any(outcome == "unknown_event" for _, outcome in counts(clickhouse))


def test_the_reference_tracking_log(clickhouse, fixture_world, shared_dir) -> None:
    log = shared_dir / "fixtures" / "erb" / "tracking.log"
    good = []
    for line in log.read_text().splitlines():
        body = line[line.index("{") :]
        try:
            good.append(json.loads(body))
        except json.JSONDecodeError:
            continue

    summary = run_replay(log)

    assert summary["lines"] == 12
    assert summary["skipped"] == {"not_json": 2, "not_transformed": 3}  # page view, problem_graded, a made-up name
    assert (summary["events"], summary["transformed"], summary["rejected"]) == (7, 7, {})
    ids = expected_ids(good)
    assert len(ids) == summary["statements"] == summary["written"] == 7
    assert set(stored(clickhouse)) == ids


def test_a_second_replay_changes_nothing_reports_see(clickhouse, corpus_world, tmp_path) -> None:
    expected = _mixed_log(corpus_world, tmp_path / "mixed.log")
    first = run_replay(tmp_path / "mixed.log")
    statements = stored(clickhouse)

    second = run_replay(tmp_path / "mixed.log")

    assert stored(clickhouse) == statements
    assert set(statements) == expected["ids"]
    for key in ("lines", "events", "transformed", "statements", "written", "skipped", "rejected"):
        assert second[key] == first[key], key


def test_dry_run_writes_nothing_and_reports_the_same_transform_counts(clickhouse, corpus_world, tmp_path) -> None:
    _mixed_log(corpus_world, tmp_path / "mixed.log")

    dry = run_replay(tmp_path / "mixed.log", "--dry-run")
    assert clickhouse.count("xapi.xapi_events_all") == 0
    assert clickhouse.count("oars.quarantine") == 0
    assert clickhouse.count("oars.ingest_ledger") == 0

    real = run_replay(tmp_path / "mixed.log")
    for key in ("lines", "events", "transformed", "statements", "skipped", "rejected"):
        assert dry[key] == real[key], key
    assert dry["written"] == 0 and real["written"] == real["statements"]
    assert dry["invalid"] == 0


def test_limit_counts_lines_over_all_files(clickhouse, corpus_world, tmp_path) -> None:
    write_tracking_log(tmp_path / "a.log", corpus_world.events[:30])
    write_tracking_log(tmp_path / "b.log.gz", corpus_world.events[30:60])

    summary = run_replay(tmp_path, "--limit", "45", "--batch-size", "7")

    assert summary["lines"] == summary["events"] == 45
    assert set(stored(clickhouse)) == expected_ids(corpus_world.events[:45])


def test_a_truncated_gzip_file_is_reported_and_the_run_goes_on(clickhouse, corpus_world, tmp_path) -> None:
    write_tracking_log(tmp_path / "a.log.gz", corpus_world.events[:100])
    data = (tmp_path / "a.log.gz").read_bytes()
    (tmp_path / "a.log.gz").write_bytes(data[: len(data) // 2])
    write_tracking_log(tmp_path / "b.log", corpus_world.events[100:130])

    summary = run_replay(tmp_path, fails=True)

    assert summary["skipped"].get("unreadable_file") == 1
    assert "a.log.gz: unreadable after byte" in summary["output"]
    assert "1 file(s) could not be read completely" in summary["errors"]
    assert expected_ids(corpus_world.events[100:130]) <= set(stored(clickhouse))
    assert 0 < summary["lines"] < 130


def test_an_oversize_line_is_rejected_and_quarantined(clickhouse, corpus_world, tmp_path, settings) -> None:
    settings.OARS_MAX_EVENT_BYTES = 2000
    big = dict(corpus_world.events[0], data={"padding": "x" * 3000, **corpus_world.events[0]["data"]})
    write_tracking_log(tmp_path / "t.log", [big, *corpus_world.events[1:5]])

    summary = run_replay(tmp_path / "t.log")

    assert summary["rejected"] == {"oversize": 1}
    assert summary["events"] == 5 and summary["transformed"] == 4
    assert [reason for reason, _ in quarantined(clickhouse)] == ["oversize"]


def test_a_path_that_matches_nothing_is_an_error(tmp_path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run_replay(tmp_path / "missing-*.log")


def test_globs_select_files(clickhouse, corpus_world, tmp_path) -> None:
    write_tracking_log(tmp_path / "tracking.log.1", corpus_world.events[:10])
    write_tracking_log(tmp_path / "tracking.log.2", corpus_world.events[10:20])
    with gzip.open(tmp_path / "other.txt", "wt") as handle:
        handle.write("ignored\n")

    summary = run_replay(tmp_path / "tracking.log.*")

    assert summary["lines"] == 20
