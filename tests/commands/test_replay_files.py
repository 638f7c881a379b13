"""Hostile tracking logs and an interrupted replay, in real processes; a summary that explains itself.

Before: a UTF-16 log stored 0 of its 10 valid events with exit 0; SIGINT ended in a raw ``KeyboardInterrupt``
traceback; the summary counted reasons without saying which course, user or file.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import signal
import subprocess
import sys
import time

import pytest

from tests.commands.conftest import manage, one_error_line
from tests.site_main import COURSE_ID
from tests.sites import ROOT, Site

EMBEDDED_REFUSAL = (
    "--processes 2 cannot be used here: the embedded engine (chdb://) is one database inside one process, which no "
    "other process may open, so worker processes cannot write to it; use --processes 1, or a ClickHouse server URL "
    "for more"
)


@pytest.fixture
def migrated_site(embedded_site: Site) -> Site:
    assert manage(embedded_site, "migrate_clickhouse").rc == 0
    return embedded_site


def stored_statements(site: Site) -> int:
    """Distinct statements in the site's engine, read by a process of its own (one engine per process)."""
    code = (
        "import sys\nfrom chdb import session\n"
        "s = session.Session(sys.argv[1])\n"
        "print(s.query('SELECT uniqExact(event_id) FROM xapi.xapi_events_all', 'CSV').bytes().decode().strip())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(site.directory / "engine")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return int(result.stdout.strip())


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])
def test_a_log_in_another_encoding_is_read(migrated_site: Site, tmp_path, encoding: str) -> None:
    log = tmp_path / "tracking.log"
    text = "".join(json.dumps(_event(index)) + "\r\n" for index in range(10))
    log.write_bytes(text.encode(encoding))
    if encoding == "utf-16":
        assert log.read_bytes().startswith(codecs.BOM_UTF16_LE)
    run = manage(migrated_site, "replay_tracking_logs", str(log), "--no-progress")
    assert run.rc == 0, run.err
    assert "Statements: 10 produced, 10 written" in run.out
    shown = {"utf-16": "utf-16-le with BOM", "utf-16-le": "utf-16-le", "utf-8-sig": "utf-8 with BOM"}[encoding]
    assert f"  {log}: {shown}" in run.out
    assert stored_statements(migrated_site) == 10


def test_the_summary_names_reasons_with_an_example_and_what_to_do(migrated_site: Site, tmp_path) -> None:
    log = tmp_path / "tracking.log"
    lines = [
        json.dumps(_event(0)).encode(),
        b"garbage line",
        json.dumps(_event(1)).encode()[:-1] + b"\xff}",
        json.dumps(_event(2, course="course-v1:Gone+X+Y")).encode(),
        json.dumps(_event(3, user=9999)).encode(),
    ]
    log.write_bytes(b"\n".join(lines) + b"\n")
    run = manage(migrated_site, "replay_tracking_logs", str(log), "--no-progress")
    assert run.rc == 0, run.err
    why = run.out.split("Why, and what to do:\n", 1)[1].splitlines()
    reasons = {line.split(" (")[0].strip(): line for line in why}
    assert reasons.keys() == {"not_json", "not_utf8", "unknown_course", "unknown_user"}
    assert reasons["not_json"].startswith(f"  not_json (1), e.g. {log} line 2: lines with no JSON event")
    assert reasons["not_utf8"].startswith(f"  not_utf8 (1), e.g. {log} line 3: lines that are not UTF-8; re-encode")
    assert reasons["unknown_course"].startswith(f"  unknown_course (1), e.g. course course-v1:Gone+X+Y in {log}: ")
    assert "create or import it" in reasons["unknown_course"]
    assert reasons["unknown_user"].startswith(f"  unknown_user (1), e.g. user id 9999 in {log}: ")


def test_sigint_ends_with_a_line_count_and_exit_130(migrated_site: Site, tmp_path) -> None:
    log = tmp_path / "tracking.log"
    total = 20_000
    log.write_text("".join(json.dumps(_event(index)) + "\n" for index in range(total)))
    env = {**migrated_site.env, "OARS_TEST_LOG_LEVEL": "WARNING"}
    process = subprocess.Popen(  # small batches: about 40 ms of engine time each, so the run lasts long enough
        [
            sys.executable,
            str(ROOT / "scripts" / "manage.py"),
            "lms",
            "--settings",
            "production",
            "replay_tracking_logs",
            str(log),
            "--batch-size",
            "20",
            "--no-progress",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(12)
    assert process.poll() is None, "the replay ended before it could be interrupted"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    line = [line for line in err.splitlines() if line.strip()]
    assert len(line) == 1 and "Traceback" not in err, err
    read = int(next(text for text in out.splitlines() if text.startswith("Lines read: ")).split(": ")[1])
    assert 0 < read < total
    assert line[0] == (
        f"CommandError: interrupted after {read} lines; rerun to resume (statements already written "
        "are not stored twice)"
    )
    assert f"Statements: {read} produced, {read} written" in out  # every line counted was written, no more
    assert stored_statements(migrated_site) == read
    rerun = manage(migrated_site, "replay_tracking_logs", str(log), "--no-progress", timeout=600)
    assert rerun.rc == 0, one_error_line(rerun)
    assert stored_statements(migrated_site) == total


def test_more_than_one_process_on_the_embedded_engine_is_one_line_and_exit_1(embedded_site: Site, tmp_path) -> None:
    (tmp_path / "t.log").write_text(json.dumps(_event(0)) + "\n")

    run = manage(embedded_site, "replay_tracking_logs", str(tmp_path / "t.log"), "--processes", "2", "--no-progress")

    assert run.rc == 1
    assert one_error_line(run) == f"CommandError: {EMBEDDED_REFUSAL}"


def _event(index: int, *, course: str = COURSE_ID, user: int | None = None) -> dict:
    when = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC) + dt.timedelta(seconds=index)
    return {
        "name": "play_video",
        "event_type": "play_video",
        "event_source": "browser",
        "time": when.isoformat(),
        "context": {"user_id": user or 1 + index % 20, "course_id": course, "org_id": "edX", "path": "/event"},
        "event": json.dumps(
            {"id": "0b9e39477cf34507a7a48f74be381fdd", "currentTime": index, "duration": 300.0, "code": "html5"}
        ),
    }
