"""End-to-end replay of a generated gzip tracking log into the embedded engine (`transform_tracking_logs`).

Each measured replay runs in a fresh subprocess (`python -m benchmarks.bench_replay child ...`): the stand-in LMS on
a copy of a prepared sqlite database (the corpus's learners with their xAPI external ids, and its courses), a fresh
embedded-ClickHouse directory, migrated, then the management command timed from the call to its return. A fresh
process per run gives honest peak RSS figures and a cold lookup cache, as a real replay starts.

Figures: events/s with one process and with `--processes 2` (median of several runs), each as a ratio to the bare
transform rate (`transform_batch` over the same log lines with dict lookups, measured in this run); peak RSS of the
one-process replay at a small and a large line count, which must stay flat (streaming), and the part of it above
the idle process. Importing chdb alone maps about 265 MiB (200 MiB of it the engine's own code), and the engine's
allocator keeps 100-200 MiB more once it has inserted and merged, so the whole process's peak cannot be under
300 MiB with the embedded engine; the figure above idle is what the replay adds, and it includes the engine's
background merges, whose memory grows with the table (sampled: the engine's MemoryTracking spikes to 100-180 MiB
during merges of a 1M-row table while the Python heap's object count stays flat). The peak RSS of a `--processes 2`
worker (no engine, no reader: parse, transform, send back) isolates the batch loop, and must stay flat.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.corpus import generate, to_log_line, write_tracking_log
from benchmarks.harness import Figure, max_rss_mb

ROOT = Path(__file__).resolve().parents[1]
SEED = 7
LEARNERS = 5000
TARGET_EVENTS_PER_S = 20_000
TARGET_PEAK_MB = 300
PART = 100_000  # events per generated gzip member: big logs are several seeded members, concatenated


def write_log(path: Path, lines: int) -> int:
    """A gzip tracking log of `lines` generated events (multi-member gzip, as `cat a.gz b.gz` gives)."""
    written = 0
    seed = SEED
    with path.open("wb") as out:
        while written < lines:
            n = min(PART, lines - written)
            part = path.with_suffix(f".part{seed}.gz")
            write_tracking_log(part, generate(n, seed=seed, learners=LEARNERS).events, gzip=True)
            out.write(part.read_bytes())
            part.unlink()
            written += n
            seed += 1
    return written


def _child_env(workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="lms.envs.test", OARS_TEST_SQLITE_PATH=str(workdir / "lms.sqlite3"),
               PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "host"), str(ROOT)]))
    return env


def _child(argv: list[str]) -> dict[str, Any]:
    """In the subprocess: `prepare` the LMS database, or `replay` a log and report time and memory."""
    action, workdir = argv[0], Path(argv[1])
    import django

    django.setup()
    from django.core.management import call_command

    if action == "prepare":
        _prepare_lms()
        return {}
    from django.test.utils import override_settings

    with override_settings(OARS_CLICKHOUSE_URL=f"chdb://{workdir / 'chdb'}"):
        call_command("migrate_clickhouse", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        args = [argv[2], "--processes", argv[3], "--batch-size", argv[4], "--no-progress"]
        idle = _current_rss_mb()
        workers = _WorkerPeaks()
        start = time.perf_counter()
        with open(os.devnull, "w") as sink:
            call_command("transform_tracking_logs", *args, stdout=sink)
        seconds = time.perf_counter() - start
        workers.stop()
        from oars_platform.clickhouse import get_client

        stored = get_client().query("SELECT count() FROM xapi.xapi_events_all").scalar()
    return {"seconds": seconds, "rss_mb": max_rss_mb(), "idle_mb": idle, "worker_mb": workers.peak_mb,
            "stored": int(stored)}


class _WorkerPeaks:
    """Samples the peak RSS (VmHWM) of this process's children, the `--processes` workers, every 0.1 s.

    Not `RUSAGE_CHILDREN`: Linux carries a process's high-water mark across exec, so a spawned worker would report
    the RSS of the parent it was forked from before it exec'd a fresh interpreter.
    """

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        me = os.getpid()
        while not self._done.wait(0.1):
            try:
                children = Path(f"/proc/{me}/task/{me}/children").read_text().split()
            except OSError:
                continue
            for pid in children:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                for line in status.splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)

    def stop(self) -> None:
        """Stop sampling."""
        self._done.set()
        self._thread.join()


def _current_rss_mb() -> float:
    """Resident set size right now (Linux), in MiB: the process with Django and the embedded engine loaded."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _prepare_lms() -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from opaque_keys.edx.keys import CourseKey
    from openedx.core.djangoapps.external_user_ids.models import ExternalId
    from standin.factories import create_course_overview

    call_command("migrate", verbosity=0)
    users = User.objects.bulk_create(
        [User(id=uid, username=f"learner{uid}", email=f"learner{uid}@example.org") for uid in range(1, LEARNERS + 1)]
    )
    ExternalId.batch_get_or_create_user_ids(users, "xapi")
    for course_id, name in generate(10, seed=SEED, learners=LEARNERS).course_names.items():
        create_course_overview(CourseKey.from_string(course_id), display_name=name)


def _run_child(workdir: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_replay", "child", *args], cwd=ROOT,
                          env=_child_env(workdir), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _replay(base: Path, log: Path, processes: int, batch: int) -> dict[str, Any]:
    """One replay in a fresh process on a fresh copy of the prepared LMS database and an empty engine."""
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=base))
    try:
        shutil.copy(base / "lms.sqlite3", workdir / "lms.sqlite3")
        return _run_child(workdir, "replay", str(workdir), str(log), str(processes), str(batch))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def bare_transform_rate(lines: int) -> float:
    """Events/s of `transform_batch` alone over the same kind of log lines (bytes), dict lookups, one process."""
    from benchmarks.bench_transform import CostedFetchers
    from oars_platform.xapi import CachedLookups, TransformConfig, transform_batch

    corpus = generate(lines, seed=SEED, learners=LEARNERS)
    config = TransformConfig(lms_root_url=corpus.lms_root_url)
    encoded = [to_log_line(event).encode() for event in corpus.events]
    corpus.events = []  # only the encoded lines are needed now
    # As in bench_transform: the pre-built input stays alive, unlike in a replay; keep the cyclic collector off it.
    gc.collect()
    gc.freeze()
    try:
        runs = []
        for _ in range(3):
            fetchers = CostedFetchers(corpus)
            lookups = CachedLookups(fetchers.fetch_actors, fetchers.fetch_course_names)
            start = time.perf_counter()
            for index in range(0, len(encoded), 5000):
                transform_batch(encoded[index:index + 5000], config, lookups)
            runs.append(time.perf_counter() - start)
    finally:
        gc.unfreeze()
    return lines / statistics.median(runs)


def run(quick: bool) -> list[Figure]:
    """Events/s on 1 and 2 processes (ratio to the bare transform), peak RSS at a small and a large log."""
    lines = 20_000 if quick else 200_000
    repeats = 3
    small, large = (10_000, 100_000) if quick else (10_000, 1_000_000)
    batch = 5000
    base = Path(tempfile.mkdtemp(prefix="oars-bench-replay-"))
    try:
        env_dir = base
        _run_child(env_dir, "prepare", str(env_dir))
        log = base / "tracking.log.gz"
        write_log(log, lines)
        bare = bare_transform_rate(min(lines, 100_000))
        figures = []
        for processes in (1, 2):
            results = [_replay(base, log, processes, batch) for _ in range(repeats)]
            seconds = statistics.median(result["seconds"] for result in results)
            stored = {result["stored"] for result in results}
            if len(stored) != 1 or min(stored) < lines:
                raise AssertionError(f"expected the same >= {lines} stored statements in every run, got {stored}")
            rate = lines / seconds
            target = f">= {TARGET_EVENTS_PER_S:,} events/s" if processes == 1 else None
            figures.append(Figure(f"replay gzip log, {lines:,} events, {processes} process(es)", rate, "events/s",
                                  target, ratio=rate / bare))
        figures.append(Figure("baseline: bare transform_batch on log lines", bare, "events/s"))
        for size in (small, large):
            sized = base / f"sized-{size}.log.gz"
            write_log(sized, size)
            result = _replay(base, sized, 1, batch)
            parallel = _replay(base, sized, 2, batch)
            sized.unlink()
            figures.append(Figure(f"peak RSS, replay of {size:,} lines, 1 process", result["rss_mb"], "MiB",
                                  f"< {TARGET_PEAK_MB} MiB"))
            figures.append(Figure(f"  of which above the idle process (engine loaded: {result['idle_mb']:.0f} MiB)",
                                  result["rss_mb"] - result["idle_mb"], "MiB"))
            figures.append(Figure(f"peak RSS of a --processes 2 worker (parse + transform), {size:,} lines",
                                  parallel["worker_mb"], "MiB", f"< {TARGET_PEAK_MB} MiB"))
        return figures
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        print(json.dumps(_child(sys.argv[2:])))
    else:
        for figure in run("--quick" in sys.argv):
            print(figure)
