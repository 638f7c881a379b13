"""End-to-end replay of a generated gzip tracking log into the embedded engine (`replay_tracking_logs`).

Each measured replay runs in a fresh subprocess (`python -m benchmarks.bench_replay child ...`): the stand-in LMS on
a copy of a prepared sqlite database (the corpus's learners with their xAPI external ids, and its courses), a fresh
embedded-ClickHouse directory, migrated, then the management command timed from the call to its return. A fresh
process per run gives honest peak RSS figures and a cold lookup cache, as a real replay starts.

Speed: events/s of one process (the embedded engine takes no more), in alternating rounds of a bare transform
(`transform_batch` over the same log lines with dict lookups) and a replay; each round's replay rate is divided by
the same round's bare rate, and the figure is the median of those ratios, so load from other processes on a shared
machine falls on both sides of each ratio. The same for the rate per CPU-second of the whole process (engine
threads included), which other processes barely disturb.

Memory, at each line count (10k, 100k, 1M), each as a ratio to the 10k figure to show whether it is flat:

* peak RSS of the one process (`VmHWM`): everything, including chdb's code. Importing chdb maps about 230 MiB of
  file-backed pages (its 200 MiB of engine code, shared and reclaimable, not the replay's memory), and the process
  is at about 430 MiB once the engine is open and migrated, before the first line: under 300 MiB is out of reach
  for any process that hosts the embedded engine;
* peak anonymous RSS (`RssAnon`, sampled every 0.1 s): the process's own memory without file-backed code pages;
* the engine's own accounting: peak `MemoryTracking` (system.metrics, sampled every 0.25 s), which is what its
  inserts, views and background merges hold; the merges of a growing table are what grows.
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
    env.update(
        DJANGO_SETTINGS_MODULE="lms.envs.test",
        OARS_TEST_SQLITE_PATH=str(workdir / "lms.sqlite3"),
        PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "host"), str(ROOT)]),
    )
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
        from oars_platform.connection import get_client

        args = [argv[2], "--batch-size", argv[3], "--no-progress"]
        idle = _status_mb()
        sampler = _SelfPeaks(get_client() if argv[4:5] == ["memory"] else None)
        start, cpu = time.perf_counter(), time.process_time()
        with open(os.devnull, "w") as sink:
            call_command("replay_tracking_logs", *args, stdout=sink)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        sampler.stop()
        stored = get_client().query("SELECT count() FROM xapi.xapi_events_all").scalar()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "rss_mb": max_rss_mb(),
        "idle_mb": idle["VmRSS"],
        "idle_anon_mb": idle["RssAnon"],
        "anon_mb": sampler.anon_mb,
        "engine_mb": sampler.engine_mb,
        "stored": int(stored),
    }


class _SelfPeaks:
    """Samples this process's anonymous RSS every 0.1 s and, given a client, the engine's MemoryTracking every 0.25 s.

    Only in the untimed memory runs: an engine query waits for the client's lock, i.e. for the insert under way.
    """

    def __init__(self, client: Any) -> None:
        self.anon_mb = _status_mb()["RssAnon"]
        self.engine_mb = 0.0
        self._client = client
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        tick = 0
        while not self._done.wait(0.1):
            self.anon_mb = max(self.anon_mb, _status_mb()["RssAnon"])
            tick += 1
            if self._client is not None and tick % 3 == 0:
                tracked = self._client.query(
                    "SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'"
                ).scalar()
                self.engine_mb = max(self.engine_mb, int(tracked) / (1024 * 1024))

    def stop(self) -> None:
        """Stop sampling."""
        self._done.set()
        self._thread.join()


def _status_mb() -> dict[str, float]:
    """VmRSS and RssAnon of this process right now (Linux /proc/self/status), in MiB."""
    values = {"VmRSS": 0.0, "RssAnon": 0.0}
    with open("/proc/self/status") as status:
        for line in status:
            name = line.split(":", 1)[0]
            if name in values:
                values[name] = int(line.split()[1]) / 1024
    return values


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
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_replay", "child", *args],
        cwd=ROOT,
        env=_child_env(workdir),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _replay(base: Path, log: Path, batch: int, memory: bool = False) -> dict[str, Any]:
    """One replay in a fresh process on a fresh copy of the prepared LMS database and an empty engine.

    ``memory``: also sample anonymous RSS and the engine's MemoryTracking (untimed runs only).
    """
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=base))
    try:
        shutil.copy(base / "lms.sqlite3", workdir / "lms.sqlite3")
        return _run_child(workdir, "replay", str(workdir), str(log), str(batch), *(["memory"] if memory else []))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class BareTransform:
    """`transform_batch` alone over the same kind of log lines (bytes), dict lookups, one process: the baseline."""

    def __init__(self, lines: int) -> None:
        corpus = generate(lines, seed=SEED, learners=LEARNERS)
        self.corpus = corpus
        self.encoded = [to_log_line(event).encode() for event in corpus.events]
        corpus.events = []  # only the encoded lines are needed now

    def rate(self) -> float:
        """Events/s of one pass over the lines, with cold lookup caches."""
        from benchmarks.bench_transform import CostedFetchers
        from oars_platform.xapi import CachedLookups, TransformConfig, transform_batch

        config = TransformConfig(lms_root_url=self.corpus.lms_root_url)
        fetchers = CostedFetchers(self.corpus)
        lookups = CachedLookups(fetchers.fetch_actors, fetchers.fetch_course_names)
        # As in bench_transform: the pre-built input stays alive, unlike in a replay; keep the cyclic collector off it.
        gc.collect()
        gc.freeze()
        try:
            start = time.perf_counter()
            for index in range(0, len(self.encoded), 5000):
                transform_batch(self.encoded[index : index + 5000], config, lookups)
            return len(self.encoded) / (time.perf_counter() - start)
        finally:
            gc.unfreeze()


def run(quick: bool) -> list[Figure]:
    """Events/s of one process (ratio to the bare transform, alternating rounds); memory at each log size."""
    lines = 20_000 if quick else 200_000
    rounds = 3 if quick else 5
    sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    batch = 5000
    base = Path(tempfile.mkdtemp(prefix="oars-bench-replay-"))
    load = [os.getloadavg()[0]]
    try:
        _run_child(base, "prepare", str(base))
        log = base / "tracking.log.gz"
        write_log(log, lines)
        bare = BareTransform(min(lines, 100_000))
        rounds_run = []
        for _ in range(rounds):  # a bare transform, then a replay: each ratio within one round
            rate = bare.rate()
            rounds_run.append((rate, _replay(base, log, batch)))
        stored = {result["stored"] for _, result in rounds_run}
        if len(stored) != 1 or min(stored) < lines:
            raise AssertionError(f"expected the same >= {lines} stored statements in every run, got {stored}")
        speed = statistics.median(lines / result["seconds"] for _, result in rounds_run)
        per_cpu = statistics.median(lines / result["cpu_seconds"] for _, result in rounds_run)
        figures = [
            Figure(
                f"replay gzip log, {lines:,} events, 1 process",
                speed,
                "events/s",
                f">= {TARGET_EVENTS_PER_S:,} events/s",
                ratio=statistics.median(lines / result["seconds"] / rate for rate, result in rounds_run),
            ),
            Figure(
                "  the same per CPU-second of the whole process (engine included)",
                per_cpu,
                "events/s",
                ratio=statistics.median(lines / result["cpu_seconds"] / rate for rate, result in rounds_run),
            ),
            Figure(
                "baseline: bare transform_batch on log lines", statistics.median(r for r, _ in rounds_run), "events/s"
            ),
        ]
        load.append(os.getloadavg()[0])
        figures.extend(_memory_figures(base, sizes, batch))
        load.append(os.getloadavg()[0])
        for when, value in zip(("at start", "after the speed runs", "at end"), load, strict=True):
            figures.append(Figure(f"load average (1 min, {os.cpu_count()} CPUs) {when}", value, ""))
        return figures
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _memory_figures(base: Path, sizes: tuple[int, ...], batch: int) -> list[Figure]:
    """Peak RSS, peak anonymous RSS and the engine's peak MemoryTracking at each size."""
    measured: list[tuple[int, dict[str, Any]]] = []
    for size in sizes:
        sized = base / f"sized-{size}.log.gz"
        write_log(sized, size)
        measured.append((size, _replay(base, sized, batch, memory=True)))
        sized.unlink()
    first = measured[0][1]
    figures = [
        Figure("idle process, engine open and migrated: RSS", first["idle_mb"], "MiB"),
        Figure("idle process, engine open and migrated: anonymous RSS", first["idle_anon_mb"], "MiB"),
    ]
    rows = (
        ("peak RSS, 1 process (engine hosted)", "rss_mb", f"< {TARGET_PEAK_MB} MiB"),
        ("  peak anonymous RSS (no chdb code pages)", "anon_mb", None),
        ("  engine's own peak MemoryTracking", "engine_mb", None),
    )
    for name, key, target in rows:
        for size, one in measured:
            figures.append(
                Figure(
                    f"{name}, {size:,} lines",
                    one[key],
                    "MiB",
                    target,
                    ratio=one[key] / first[key] if size != sizes[0] and first[key] else None,
                )
            )
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        print(json.dumps(_child(sys.argv[2:])))
    else:
        for figure in run("--quick" in sys.argv):
            print(figure)
