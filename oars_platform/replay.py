"""Replay tracking logs through the live pipeline's transform and writer (``oars_platform.ingest``).

The core is serial: the log is cut into chunks of ``batch_size`` lines (``sources.tracking_logs``); each chunk is
parsed, filtered to the events we transform (the request path's own filter), transformed as one batch and written
as one batch by ``ingest.write_result``, the live pipeline's exactly-once write. Statement ids are deterministic
(ERB's), so replaying a log twice, or a log ERB already loaded, stores nothing new. No thread overlaps the write
with the next transform, nor the reading with either: measured in alternating rounds against this loop, a writer
thread was no faster (README, Benchmarks), and memory stays at one batch.

What is filtered out before the transform is *skipped*, not quarantined: a tracking log is mostly page views and
events we do not transform, and quarantining them would flood the quarantine table. What the transform refuses is
*rejected* and quarantined through ``ingest.write_result``, exactly as in the live pipeline.

Several processes (``processes > 1``) need a ClickHouse server: this process reads and decompresses the files and
hands chunks of raw lines to a standard process pool; each worker runs the same serial core with its own Django
setup (its own user and course lookups) and its own ClickHouse connection, and returns the chunk's counts. The
embedded engine (``chdb://``) is one database inside one process, which no other process may open: its workers
could only send rows back for this process to write, and that measured no faster than one process (the engine is
the bottleneck), so :func:`replay` refuses more than one process for it.

Ctrl-C (SIGINT) lets the chunks under way finish and be counted, then stops: the summary counts exactly the lines
whose statements were written. A second Ctrl-C stops at once.
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import signal
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from oars_platform.clickhouse import ClickHouseClient, from_url
from oars_platform.clickhouse.client import parse_url
from oars_platform.conf import OarsConfig
from oars_platform.ingest import INSERT_REJECTED, transform_config, write_result
from oars_platform.ingest import lookups as process_lookups
from oars_platform.privacy import scrub_text
from oars_platform.sources.tracking_logs import Chunk, FileError, Skip, iter_chunks, parse_line
from oars_platform.tracking import event_filter
from oars_platform.xapi import BatchResult, Lookups, Reason, Rejection, transform_batch

SOURCE = "replay:tracking_log"
#: Why the embedded engine takes one process (the command's error line and its --help say it).
EMBEDDED_ONE_PROCESS = (
    "the embedded engine (chdb://) is one database inside one process, which no other process may open, so "
    "worker processes cannot write to it; use --processes 1, or a ClickHouse server URL for more"
)


class ReplayError(RuntimeError):
    """A worker process failed (a bug, or ClickHouse refused a whole batch); rerunning the replay is safe."""


class ReplayRefused(ValueError):
    """The replay cannot run as asked (more than one process on the embedded engine); nothing was read."""


@dataclass(frozen=True)
class ReplayOptions:
    """How to replay. ``limit`` counts lines over all files; ``dry_run`` transforms and validates, writes nothing."""

    batch_size: int = 5000
    processes: int = 1
    dry_run: bool = False
    limit: int | None = None


@dataclass
class ReplayCounts:
    """What one chunk became; the summary adds them up."""

    lines: int = 0
    events: int = 0
    transformed: int = 0
    statements: int = 0
    written: int = 0
    invalid: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    invalid_errors: Counter[str] = field(default_factory=Counter)
    #: One example per skip or rejection reason, for the summary: where the line is, or which course/user.
    examples: dict[str, str] = field(default_factory=dict)
    #: Statements written (in ``written``) that a materialized view refused, per view.
    view_refused: Counter[str] = field(default_factory=Counter)

    def add(self, other: ReplayCounts) -> None:
        """Fold ``other``'s counts in (the first example of each reason is kept)."""
        for name in ("lines", "events", "transformed", "statements", "written", "invalid"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped.update(other.skipped)
        self.rejected.update(other.rejected)
        self.invalid_errors.update(other.invalid_errors)
        self.view_refused.update(other.view_refused)
        for reason, example in other.examples.items():
            self.examples.setdefault(reason, example)


@dataclass
class ReplaySummary(ReplayCounts):
    """Totals over the whole replay, for the command's closing report."""

    files: int = 0
    file_errors: list[str] = field(default_factory=list)
    #: Files not read as plain UTF-8, with what they were read as (``utf-16-le with BOM``).
    encodings: dict[str, str] = field(default_factory=dict)
    #: True when SIGINT stopped the replay: the counts are those of the lines written before it.
    interrupted: bool = False

    def note(self, chunk: Chunk) -> None:
        """Remember what a chunk's file was read as, when that is not plain UTF-8."""
        if chunk.encoding != "utf-8":
            self.encodings.setdefault(chunk.path, chunk.encoding)

    def file_error(self, error: FileError) -> None:
        """Count a file, or the rest of one, that could not be read."""
        self.file_errors.append(f"{error.path}: {error.detail}")
        self.skipped[Skip.UNREADABLE_FILE] += 1


Progress = Callable[[int, ReplaySummary], None]


class ChunkReplayer:
    """The serial core, in whichever process runs it: parse, filter, transform, then write (or validate)."""

    def __init__(
        self, config: OarsConfig, lookups: Lookups, dry_run: bool, client: ClickHouseClient | None = None
    ) -> None:
        self.config = config
        # Events go to the transform as the dicts we already parsed (one JSON parse per line, not two), with the
        # size check done here on the line's own text instead of by the transform re-serialising every dict: an
        # oversize line becomes the same `oversize` rejection the transform would give, and is quarantined.
        self.max_bytes = config.max_event_bytes
        self.transform_config = replace(transform_config(config), max_event_bytes=0)
        self.lookups = lookups
        self.dry_run = dry_run
        self.client = client  # None: the process's client (oars_platform.connection)
        self.wanted = event_filter().wanted

    def replay(self, lines: list[bytes], path: str = "", first_line: int = 1) -> ReplayCounts:
        """Counts for ``lines`` (of ``path``, from line ``first_line``), whose statements are written unless dry."""
        counts = ReplayCounts(lines=len(lines))
        events, oversize = self._events(lines, path, first_line, counts)
        counts.events = len(events) + len(oversize)
        if not counts.events:
            return counts
        result = transform_batch(events, self.transform_config, self.lookups) if events else BatchResult()
        result.rejections.extend(oversize)
        counts.transformed = counts.events - len(result.rejections)
        counts.statements = len({statement.id for statement in result.statements})
        counts.rejected.update(str(rejection.reason) for rejection in result.rejections)
        for rejection in result.rejections:
            if str(rejection.reason) not in counts.examples:
                counts.examples[str(rejection.reason)] = _rejection_example(rejection, path)
        if self.dry_run:
            self._validate(result, counts)
            return counts
        report = write_result(result, SOURCE, self.client, events=counts.events, config=self.config)
        counts.written = report.statements
        if report.outcomes.get(INSERT_REJECTED):  # rows ClickHouse refused, quarantined by the writer
            counts.rejected[INSERT_REJECTED] += report.outcomes[INSERT_REJECTED]
        counts.view_refused.update(report.view_refused)
        return counts

    def _events(
        self, lines: list[bytes], path: str, first_line: int, counts: ReplayCounts
    ) -> tuple[list[dict[str, Any]], list[Rejection]]:
        """The events of ``lines`` we transform, and the oversize ones; what is skipped is counted on ``counts``."""
        skipped, examples, wanted, max_bytes = counts.skipped, counts.examples, self.wanted, self.max_bytes
        events: list[dict[str, Any]] = []
        oversize: list[Rejection] = []
        for index, line in enumerate(lines):
            parsed = parse_line(line)
            if isinstance(parsed, Skip):
                skipped[parsed] += 1
                examples.setdefault(parsed, f"{path} line {first_line + index}")
            elif not wanted(parsed[0]["name"]):
                skipped[Skip.NOT_TRANSFORMED] += 1
            elif max_bytes and len(parsed[1]) > max_bytes:
                oversize.append(
                    Rejection(
                        Reason.OVERSIZE,
                        f"event larger than {max_bytes} bytes",
                        parsed[0]["name"],
                        parsed[1].decode("utf-8", "replace"),
                    )
                )
            else:
                events.append(parsed[0])
        return events, oversize

    def _validate(self, result: BatchResult, counts: ReplayCounts) -> None:
        from oars_platform.xapi.validation import validate_statement  # jsonschema: only needed for --dry-run

        for statement in result.statements:
            errors = validate_statement(statement.statement, allow_erb_parity=True)
            if errors:
                counts.invalid += 1
                counts.invalid_errors.update(
                    error.split(":", 1)[0] + ": " + error.rsplit("[", 1)[-1].rstrip("]") for error in errors
                )


def _rejection_example(rejection: Rejection, path: str) -> str:
    """Which course or user a rejected event named (ids and keys only, never a name), and its file."""
    try:
        event = orjson.loads(rejection.raw)
    except orjson.JSONDecodeError:
        event = None
    context = event.get("context") if isinstance(event, dict) else None
    context = context if isinstance(context, dict) else {}
    where = f" in {path}" if path else ""
    if rejection.reason == Reason.UNKNOWN_COURSE and isinstance(context.get("course_id"), str):
        return f"course {scrub_text(context['course_id'][:200])}{where}"
    if rejection.reason == Reason.UNKNOWN_USER:
        user_id = context.get("user_id")
        if isinstance(user_id, int) and not isinstance(user_id, bool):
            return f"user id {user_id}{where}"
        return f"{rejection.detail}{where}"
    return f"{rejection.event_name or 'an event'}: {scrub_text(rejection.detail)}{where}"


def replay(
    paths: Iterable[str], config: OarsConfig, options: ReplayOptions, progress: Progress | None = None
) -> ReplaySummary:
    """Replay every file in ``paths`` (already expanded) and return the totals.

    Raises :class:`ReplayRefused` before reading anything when more than one process is asked of the embedded engine.
    """
    if options.processes > 1 and parse_url(config.clickhouse_url).embedded:
        raise ReplayRefused(f"--processes {options.processes} cannot be used here: {EMBEDDED_ONE_PROCESS}")
    paths = list(paths)
    summary = ReplaySummary(files=len(paths))
    # Every batch allocates ~100 objects per event; without this, each full collection would also walk the whole
    # of Django and our modules, long-lived objects the replay never frees (about a tenth of the run time).
    gc.collect()
    gc.freeze()
    try:
        with _stop_on_sigint() as stop:
            chunks = _chunks(paths, options, summary, stop)
            if options.processes > 1:
                _replay_in_pool(chunks, config, options, summary, progress)
            else:
                replayer = ChunkReplayer(config, process_lookups(), options.dry_run)
                for chunk, read in chunks:
                    _count(summary, replayer.replay(chunk.lines, chunk.path, chunk.line), read, progress)
            summary.interrupted = stop.is_set()
    finally:
        gc.unfreeze()
    return summary


def _count(summary: ReplaySummary, counts: ReplayCounts, read: int, progress: Progress | None) -> None:
    summary.add(counts)
    if progress:
        progress(read, summary)


def _chunks(
    paths: list[str], options: ReplayOptions, summary: ReplaySummary, stop: threading.Event
) -> Iterator[tuple[Chunk, int]]:
    """Chunks of every file in order, with the disk bytes read since the previous one, until ``stop`` is set.

    Files that cannot be read (or the rest of one) are counted on ``summary`` and skipped.
    """
    remaining = options.limit
    for path in paths:
        position = 0
        for item in iter_chunks(path, options.batch_size, remaining):
            if stop.is_set():
                return
            if isinstance(item, FileError):
                summary.file_error(item)
                continue
            summary.note(item)
            if remaining is not None:
                remaining -= len(item.lines)
            yield item, item.read_to - position
            position = item.read_to
        if remaining is not None and remaining <= 0:
            return


@contextmanager
def _stop_on_sigint() -> Iterator[threading.Event]:
    """An event the first SIGINT sets (the chunks under way finish and are counted); a second one raises at once.

    Outside the main thread (where no signal handler can be installed) the event is never set and SIGINT behaves
    as usual.
    """
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.getsignal(signal.SIGINT)

    def first(signum: int, frame: Any) -> None:
        stop.set()
        signal.signal(signal.SIGINT, previous)

    signal.signal(signal.SIGINT, first)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _replay_in_pool(
    chunks: Iterator[tuple[Chunk, int]],
    config: OarsConfig,
    options: ReplayOptions,
    summary: ReplaySummary,
    progress: Progress | None,
) -> None:
    """Hand chunks to ``options.processes`` workers; count their results in the order the chunks were read.

    At most two chunks per worker are in flight, so memory stays bounded and a worker never waits for work. Counting
    in order keeps the summary's first example of each reason the one a single process would show.
    """
    from django.conf import settings

    pool = ProcessPoolExecutor(
        options.processes,
        # spawn: a fresh interpreter, without this process's threads, ClickHouse client or database connection
        mp_context=mp.get_context("spawn"),
        initializer=_start_worker,
        initargs=(settings.SETTINGS_MODULE, config, options.dry_run),
    )
    pending: deque[tuple[Future[ReplayCounts], int]] = deque()
    try:
        for chunk, read in chunks:
            pending.append((pool.submit(_replay_chunk, chunk.lines, chunk.path, chunk.line), read))
            while len(pending) >= 2 * options.processes:
                _count(summary, *_done(pending.popleft()), progress)
        while pending:
            _count(summary, *_done(pending.popleft()), progress)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _done(item: tuple[Future[ReplayCounts], int]) -> tuple[ReplayCounts, int]:
    """A worker's counts for one chunk (waiting for them), with the bytes read for it; a failure as ReplayError."""
    future, read = item
    try:
        return future.result(), read
    except Exception as exc:  # the worker's exception, re-raised here by the pool; or the pool broke
        raise ReplayError(f"a worker process failed: {type(exc).__name__}: {scrub_text(str(exc))}") from exc


#: The serial core of a worker process, set up by :func:`_start_worker`.
_worker: ChunkReplayer | None = None


def _start_worker(settings_module: str | None, config: OarsConfig, dry_run: bool) -> None:
    """A worker's own Django setup (for its lookups) and its own ClickHouse connection, once per process.

    The connection closes when the process exits. Ctrl-C reaches the whole process group: this process ignores it,
    the parent decides.
    """
    global _worker  # noqa: PLW0603 - one serial core per worker process is the point
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if settings_module:  # the parent's (None when its settings were configured in code)
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()
    client = (
        None
        if dry_run
        else from_url(
            config.clickhouse_url,
            connect_timeout=config.connect_timeout,
            send_receive_timeout=config.send_receive_timeout,
        )
    )
    _worker = ChunkReplayer(config, process_lookups(), dry_run, client)
    gc.collect()
    gc.freeze()  # as in replay(): full collections need not walk Django and our modules


def _replay_chunk(lines: list[bytes], path: str, first_line: int) -> ReplayCounts:
    """Run in a worker: the serial core on one chunk."""
    if _worker is None:
        raise ReplayError("worker process not started")
    return _worker.replay(lines, path, first_line)
