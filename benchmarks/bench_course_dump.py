"""Course dumps on the stand-in platform: one 2,000-block course, and a 1,000-course backfill.

Each measurement runs in a fresh subprocess (the embedded ClickHouse allows one data path per process, and peak RSS
is only meaningful per process) with the stand-in LMS on its own SQLite file and a fresh chdb data path.

* **Single course**: a generated course of about 2,000 published blocks (19 sections x 5 subsections x 4 units x 4
  components, plus detached blocks), dumped with :func:`dump_course` from the modulestore: published-branch read,
  pure transform, inserts into the four tables. Median of several runs; target <= 1 s. The read, transform and
  insert shares are timed separately too (medians).
* **Backfill**: N generated courses (45 blocks each) planned with one ClickHouse query and dumped in-process, as
  ``dump_courses_to_clickhouse`` does: courses per second, and peak RSS above the RSS before the backfill started,
  at 100 and at 1,000 courses (the stand-in store itself holds every course in memory, which is why the baseline is
  taken after building them; the embedded engine's caches, inside this process here, grow to a plateau), and the
  peak Python heap (tracemalloc) of a second, forced pass: flat means our memory does not grow with the number of
  courses, since courses are read one at a time and written in groups of ``BACKFILL_BATCH`` blocks.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from benchmarks.harness import Figure, max_rss_mb, peak_traced_mb

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.0
#: Blocks per insert in the backfill runs: small enough that 100 courses (4,500 blocks) already fill batches, so the
#: heap figures compare like with like (the peak is one batch of rows, whatever the number of courses).
BACKFILL_BATCH = 2_000


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def _setup(workdir: Path) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from oars_platform.conf import get_config

    settings.OARS_CLICKHOUSE_URL = f"chdb://{workdir / 'chdb'}"
    settings.OARS_COURSE_DUMP_ENABLED = False  # building courses must not dump them: the benchmark does
    get_config.cache_clear()
    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as sink:
        call_command("migrate_clickhouse", stdout=sink)


def _single(repeats: int) -> dict[str, Any]:
    from standin.courses import CourseSpec, build_course

    from oars_platform.platform.modulestore import ModulestoreSource
    from oars_platform.sinks.courses import dump_course, write_snapshot
    from oars_platform.sources.course_rows import course_rows

    spec = CourseSpec(sections=19, subsections_per_section=5, units_per_subsection=4, components_per_unit=4)
    key = str(build_course(spec).course_key)
    source = ModulestoreSource()
    dump_course(source, key)  # warm-up: imports, table metadata
    totals, reads, transforms, inserts = [], [], [], []
    blocks = 0
    for _ in range(repeats):
        start = time.perf_counter()
        (dumped,) = dump_course(source, key)
        totals.append(time.perf_counter() - start)
        blocks = dumped.blocks
        start = time.perf_counter()
        snapshot = source.read(key)
        reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        course_rows(snapshot, uuid.uuid4(), snapshot.read_at)
        transforms.append(time.perf_counter() - start)
        start = time.perf_counter()
        write_snapshot(snapshot)
        inserts.append(time.perf_counter() - start - transforms[-1])
    return {
        "blocks": blocks,
        "seconds": statistics.median(totals),
        "read": statistics.median(reads),
        "transform": statistics.median(transforms),
        "insert": statistics.median(inserts),
    }


def _backfill(courses: int) -> dict[str, Any]:
    from standin.courses import CourseSpec, build_course

    from oars_platform.platform.modulestore import ModulestoreSource
    from oars_platform.sinks.backfill import run_backfill
    from oars_platform.sinks.course_backfill import CourseBackfill, CourseOptions

    for index in range(courses):
        build_course(CourseSpec(number=f"B{index}", sections=2, seed=index))
    baseline = _current_rss_mb()
    source = ModulestoreSource()
    start = time.perf_counter()
    job = CourseBackfill(source, CourseOptions(batch_size=BACKFILL_BATCH))
    summary = run_backfill(job)
    seconds = time.perf_counter() - start
    assert len(job.dumped) == courses and not summary.failed, summary.failed
    rss_above_baseline = max(0.0, max_rss_mb() - baseline)
    # The Python heap of a second, forced pass: what our code holds, apart from the embedded engine's caches.
    heap_mb = peak_traced_mb(
        lambda: run_backfill(CourseBackfill(source, CourseOptions(force=True, batch_size=BACKFILL_BATCH)))
    )
    return {
        "courses": courses,
        "seconds": seconds,
        "blocks": job.blocks,
        "peak_rss_mb": max_rss_mb(),
        "backfill_rss_mb": rss_above_baseline,
        "heap_mb": heap_mb,
    }


def _child(argv: list[str]) -> dict[str, Any]:
    action, workdir = argv[0], Path(argv[1])
    _setup(workdir)
    if action == "single":
        return _single(int(argv[2]))
    return _backfill(int(argv[2]))


def _run_child(*args: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="oars-bench-courses-"))
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="lms.envs.test",
        OARS_TEST_SQLITE_PATH=str(workdir / "lms.sqlite3"),
        PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "host"), str(ROOT)]),
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.bench_course_dump", "child", args[0], str(workdir), *args[1:]],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"benchmark child failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(quick: bool) -> list[Figure]:
    """Time one large course and two backfill sizes, each in its own process."""
    single = _run_child("single", "3" if quick else "7")
    small, large = (20, 200) if quick else (100, 1000)
    backfills = [_run_child("backfill", str(count)) for count in (small, large)]
    figures = [
        Figure(
            f"dump of one {single['blocks']:,}-block course", single["seconds"], "s", target=f"<= {TARGET_SECONDS} s"
        ),
        Figure("  of which: published-branch read", single["read"], "s"),
        Figure("  of which: transform (pure)", single["transform"], "s"),
        Figure("  of which: inserts (4 tables)", single["insert"], "s"),
    ]
    for result in backfills:
        count = result["courses"]
        figures += [
            Figure(f"backfill of {count:,} courses", count / result["seconds"], "courses/s"),
            Figure(f"backfill of {count:,} courses: peak RSS", result["peak_rss_mb"], "MiB"),
            Figure(f"backfill of {count:,} courses: peak RSS above baseline", result["backfill_rss_mb"], "MiB"),
            Figure(f"backfill of {count:,} courses: peak Python heap", result["heap_mb"], "MiB"),
        ]
    first, last = backfills
    figures.append(
        Figure(
            "peak Python heap, large vs small backfill",
            last["heap_mb"],
            "MiB",
            target="flat (ratio about 1)",
            ratio=last["heap_mb"] / first["heap_mb"] if first["heap_mb"] else None,
        )
    )
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        print(json.dumps(_child(sys.argv[2:])))
    else:
        from benchmarks.harness import print_figure

        for figure in run(quick="--quick" in sys.argv):
            print_figure(figure)
