"""End-to-end replay of a generated gzip tracking log into the embedded engine (`replay_tracking_logs`).

Each measured replay runs in a fresh subprocess (`python -m benchmarks.bench_replay child ...`): the stand-in LMS on
a copy of a prepared sqlite database (the corpus's learners with their xAPI external ids, and its courses), a fresh
embedded-ClickHouse directory, migrated, then the management command timed from the call to its return. A fresh
process per run gives honest peak RSS figures and a cold lookup cache, as a real replay starts.

Speed: events/s with one process and with `--processes 2` (median of several runs), each as a ratio to the bare
transform rate (`transform_batch` over the same log lines with dict lookups, measured in this run), and the
one-process rate per CPU-second of the whole process (engine threads included), which other processes on a shared
machine barely disturb.

Memory, at each line count (10k, 100k, 1M), each as a ratio to the 10k figure to show whether it is flat:

* peak RSS of the one process (`VmHWM`): everything, including chdb's code. Importing chdb maps about 230 MiB of
  file-backed pages (its 200 MiB of engine code, shared and reclaimable, not the replay's memory), and the process
  is at about 430 MiB once the engine is open and migrated, before the first line: under 300 MiB is out of reach
  for any process that hosts the embedded engine;
* peak anonymous RSS (`RssAnon`, sampled every 0.1 s): the process's own memory without file-backed code pages;
* the engine's own accounting: peak `MemoryTracking` (system.metrics, sampled every 0.25 s), which is what its
  inserts, views and background merges hold; the merges of a growing table are what grows;
* peak RSS of a `--processes 2` worker (parse, transform, send back; no engine): the replay's Python side alone.
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
        from oars_platform.connection import get_client

        args = [argv[2], "--processes", argv[3], "--batch-size", argv[4], "--no-progress"]
        idle = _status_mb()
        workers = _WorkerPeaks()
        sampler = _SelfPeaks(get_client() if argv[5:6] == ["memory"] else None)
        start, cpu = time.perf_counter(), time.process_time()
        with open(os.devnull, "w") as sink:
            call_command("replay_tracking_logs", *args, stdout=sink)
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        workers.stop()
        sampler.stop()
        stored = get_client().query("SELECT count() FROM xapi.xapi_events_all").scalar()
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "rss_mb": max_rss_mb(), "idle_mb": idle["VmRSS"],
            "idle_anon_mb": idle["RssAnon"], "anon_mb": sampler.anon_mb, "engine_mb": sampler.engine_mb,
            "worker_mb": workers.peak_mb, "stored": int(stored)}


class _WorkerPeaks:
    """Samples the peak RSS (VmHWM) of this process's `--processes` workers, every 0.1 s.

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
                    # Only spawned workers that have exec'd: between fork and exec a child still maps the parent's
                    # pages (about 400 MiB with the engine open), and a sample taken then is not the worker's.
                    if b"spawn_main" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                        continue
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
                    "SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'").scalar()
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
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_replay", "child", *args], cwd=ROOT,
                          env=_child_env(workdir), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _replay(base: Path, log: Path, processes: int, batch: int, memory: bool = False) -> dict[str, Any]:
    """One replay in a fresh process on a fresh copy of the prepared LMS database and an empty engine.

    ``memory``: also sample anonymous RSS and the engine's MemoryTracking (untimed runs only).
    """
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=base))
    try:
        shutil.copy(base / "lms.sqlite3", workdir / "lms.sqlite3")
        return _run_child(workdir, "replay", str(workdir), str(log), str(processes), str(batch),
                          *(["memory"] if memory else []))
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
    """Events/s on 1 and 2 processes (ratio to the bare transform); memory at each log size (ratio to the smallest)."""
    lines = 20_000 if quick else 200_000
    repeats = 3
    sizes = (10_000, 100_000) if quick else (10_000, 100_000, 1_000_000)
    batch = 5000
    base = Path(tempfile.mkdtemp(prefix="oars-bench-replay-"))
    load = [os.getloadavg()[0]]
    try:
        _run_child(base, "prepare", str(base))
        log = base / "tracking.log.gz"
        write_log(log, lines)
        bare = bare_transform_rate(min(lines, 100_000))
        figures = []
        for processes in (1, 2):
            results = [_replay(base, log, processes, batch) for _ in range(repeats)]
            stored = {result["stored"] for result in results}
            if len(stored) != 1 or min(stored) < lines:
                raise AssertionError(f"expected the same >= {lines} stored statements in every run, got {stored}")
            rate = lines / statistics.median(result["seconds"] for result in results)
            target = f">= {TARGET_EVENTS_PER_S:,} events/s" if processes == 1 else None
            figures.append(Figure(f"replay gzip log, {lines:,} events, {processes} process(es)", rate, "events/s",
                                  target, ratio=rate / bare))
            if processes == 1:
                per_cpu = lines / statistics.median(result["cpu_seconds"] for result in results)
                figures.append(Figure("  the same per CPU-second of the whole process (engine included)", per_cpu,
                                      "events/s", ratio=per_cpu / bare))
        figures.append(Figure("baseline: bare transform_batch on log lines", bare, "events/s"))
        load.append(os.getloadavg()[0])
        figures.extend(_memory_figures(base, sizes, batch))
        load.append(os.getloadavg()[0])
        for when, value in zip(("at start", "after the speed runs", "at end"), load, strict=True):
            figures.append(Figure(f"load average (1 min, {os.cpu_count()} CPUs) {when}", value, ""))
        return figures
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _memory_figures(base: Path, sizes: tuple[int, ...], batch: int) -> list[Figure]:
    """Peak RSS, peak anonymous RSS, the engine's peak MemoryTracking and a worker's peak RSS at each size."""
    measured: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for size in sizes:
        sized = base / f"sized-{size}.log.gz"
        write_log(sized, size)
        one = _replay(base, sized, 1, batch, memory=True)
        two = _replay(base, sized, 2, batch)
        sized.unlink()
        measured.append((size, one, two))
    first = measured[0]
    figures = [Figure("idle process, engine open and migrated: RSS", first[1]["idle_mb"], "MiB"),
               Figure("idle process, engine open and migrated: anonymous RSS", first[1]["idle_anon_mb"], "MiB")]
    rows = (
        ("peak RSS, 1 process (engine hosted)", lambda one, two: one["rss_mb"], f"< {TARGET_PEAK_MB} MiB"),
        ("  peak anonymous RSS (no chdb code pages)", lambda one, two: one["anon_mb"], None),
        ("  engine's own peak MemoryTracking", lambda one, two: one["engine_mb"], None),
        ("peak RSS of a --processes 2 worker (no engine)", lambda one, two: two["worker_mb"],
         f"< {TARGET_PEAK_MB} MiB"),
    )
    for name, value, target in rows:
        small = value(first[1], first[2])
        for size, one, two in measured:
            figures.append(Figure(f"{name}, {size:,} lines", value(one, two), "MiB", target,
                                  ratio=value(one, two) / small if size != first[0] and small else None))
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        print(json.dumps(_child(sys.argv[2:])))
    else:
        for figure in run("--quick" in sys.argv):
            print(figure)
