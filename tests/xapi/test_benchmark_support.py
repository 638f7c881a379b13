"""The benchmark helpers other engineers reuse: corpus generator, harness, runner discovery."""

from __future__ import annotations

import collections
import gzip
import io
import json
from pathlib import Path

from benchmarks import corpus as corpus_module
from benchmarks.corpus import generate, to_log_line, write_tracking_log
from benchmarks.harness import Figure, markdown_table, median_of, peak_traced_mb, print_figure
from benchmarks.run import discover


def test_corpus_is_reproducible_and_realistic() -> None:
    first = generate(3000, seed=3)
    assert first.events == generate(3000, seed=3).events
    assert first.events != generate(3000, seed=4).events
    timestamps = [event["timestamp"] for event in first.events]
    assert timestamps == sorted(timestamps)
    families = collections.Counter()
    for event in first.events:
        name = event["name"]
        if "video" in name or name.endswith(("_transcript", "_cc_menu")):
            families["video"] += 1
        elif name.startswith("edx.ui.lms"):
            families["navigation"] += 1
        elif name in ("problem_check", "showanswer", "edx.problem.hint.demandhint_displayed",
                      "edx.grades.problem.submitted"):
            families["problem"] += 1
    assert 0.36 < families["video"] / 3000 < 0.44
    assert 0.21 < families["navigation"] / 3000 < 0.29
    assert 0.16 < families["problem"] / 3000 < 0.24
    assert {event["context"]["course_id"] for event in first.events} <= first.course_ids
    assert {event["context"]["user_id"] for event in first.events} <= first.user_ids
    assert set(first.external_ids) == first.user_ids and set(first.course_names) == first.course_ids


def test_page_view_share_and_log_lines(tmp_path: Path) -> None:
    with_views = generate(2000, seed=1, page_view_share=0.5)
    views = [e for e in with_views.events if e["name"].startswith("/courses/")]
    assert 800 < len(views) < 1200
    line = json.loads(to_log_line(with_views.events[0]))
    assert "data" not in line and line["time"] == with_views.events[0]["timestamp"]
    plain = tmp_path / "tracking.log"
    packed = tmp_path / "tracking.log.gz"
    assert write_tracking_log(plain, with_views.events[:10]) == 10
    assert write_tracking_log(packed, with_views.events[:10]) == 10
    assert gzip.decompress(packed.read_bytes()).decode() == plain.read_text()
    assert corpus_module.__doc__ and "generate" in corpus_module.__doc__


def test_harness_helpers() -> None:
    calls = []
    timing = median_of(lambda: calls.append(1), repeats=3, warmup=2)
    assert len(calls) == 5 and len(timing.runs) == 3 and timing.median >= 0
    assert peak_traced_mb(lambda: bytearray(2 * 1024 * 1024)) >= 1.9
    figure = Figure("speed", 12345.6, "events/s", ">= 1", ratio=0.5)
    out = io.StringIO()
    print_figure(figure, out)
    assert "12,346" in out.getvalue() and "x0.50" in out.getvalue()
    table = markdown_table([("bench_x", figure)])
    assert table.splitlines()[2] == "| bench_x | speed | 12,346 | events/s | >= 1 | 0.50 |"


def test_runner_discovers_bench_modules() -> None:
    assert "bench_transform" in discover([])
    assert discover(["transform"]) == ["bench_transform"]
