"""Replay tracking logs through the live pipeline's transform and writer (``oars_platform.ingest``).

The log is cut into chunks of ``batch_size`` lines (``sources.tracking_logs``); each chunk is parsed, filtered to the
events we transform, transformed as one batch and written as one batch. Statement ids are deterministic (ERB's), so
replaying a log twice, or a log ERB already loaded, stores nothing new.

What is filtered out before the transform is *skipped*, not quarantined: a tracking log is mostly page views and
events we do not transform, and quarantining them would flood the quarantine table. What the transform refuses is
*rejected* and quarantined through ``ingest.write_result``, exactly as in the live pipeline.

Several processes (``processes > 1``): the parent reads and decompresses the files and hands chunks of raw lines to
worker processes (``spawn``: no inherited ClickHouse engine, database connection or threads), which parse and
transform. Workers never touch the Django database: they resolve users and course names through the parent
(:class:`_ParentFetchers`), which answers from its own cached lookups. Who writes depends on the ClickHouse URL:

* embedded engine (``chdb://``): chdb allows one process per data path, so workers send statement rows and
  rejections back and the parent alone writes them;
* a server: each worker writes its own batches over its own connection, and sends back only counts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import multiprocessing as mp
import os
import queue
import signal
import threading
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from oars_platform.clickhouse import ClickHouseClient, from_url
from oars_platform.clickhouse.client import parse_url
from oars_platform.conf import OarsConfig
from oars_platform.ingest import INSERT_REJECTED, IngestReport, transform_config, write_result
from oars_platform.ingest import lookups as process_lookups
from oars_platform.privacy import scrub_text
from oars_platform.sources.tracking_logs import Chunk, FileError, Skip, iter_chunks, parse_line
from oars_platform.xapi import (
    BatchResult,
    CachedLookups,
    Lookups,
    Reason,
    Rejection,
    TransformedStatement,
    supported_events,
    transform_batch,
)
from oars_platform.xapi.page_view import is_page_view

SOURCE = "replay:tracking_log"
WRITE, SEND_BACK, VALIDATE = "write", "send_back", "validate"


class ReplayError(RuntimeError):
    """A worker process failed (a bug, or ClickHouse refused a whole batch); the traceback is in the message."""


@dataclass(frozen=True)
class ReplayOptions:
    """How to replay. ``limit`` counts lines over all files; ``dry_run`` transforms and validates, writes nothing."""

    batch_size: int = 5000
    processes: int = 1
    dry_run: bool = False
    limit: int | None = None
    source: str = SOURCE


@dataclass
class ReplayCounts:
    """The counts a chunk reports and the summary adds up."""

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


@dataclass
class ChunkOutcome(ReplayCounts):
    """What one chunk became. ``result`` carries slimmed statements for a writer thread or the parent process."""

    result: BatchResult | None = None
    transformed_by: int = 0  # process ids: who transformed and who wrote this chunk (0: nobody)
    written_by: int = 0


@dataclass
class ReplaySummary(ReplayCounts):
    """Totals over the whole replay, for the command's closing report and for tests."""

    files: int = 0
    file_errors: list[str] = field(default_factory=list)
    #: Files not read as plain UTF-8, with what they were read as (``utf-16-le with BOM``).
    encodings: dict[str, str] = field(default_factory=dict)
    #: True when SIGINT stopped the replay: the counts are those of the lines written before it.
    interrupted: bool = False
    transformers: set[int] = field(default_factory=set)
    writers: set[int] = field(default_factory=set)

    def add(self, outcome: ChunkOutcome) -> None:
        """Fold one chunk's counts in."""
        self.transformers.add(outcome.transformed_by)
        if outcome.written_by:
            self.writers.add(outcome.written_by)
        for name in ("lines", "events", "transformed", "statements", "written", "invalid"):
            setattr(self, name, getattr(self, name) + getattr(outcome, name))
        self.skipped.update(outcome.skipped)
        self.rejected.update(outcome.rejected)
        self.invalid_errors.update(outcome.invalid_errors)
        self.view_refused.update(outcome.view_refused)
        for reason, example in outcome.examples.items():
            self.examples.setdefault(reason, example)

    def note(self, chunk: Chunk) -> None:
        """Remember what a chunk's file was read as, when that is not plain UTF-8."""
        if chunk.encoding != "utf-8":
            self.encodings.setdefault(chunk.path, chunk.encoding)


Progress = Callable[[int, ReplaySummary], None]


def event_filter(config: OarsConfig) -> Callable[[str], bool]:
    """True for event names the transform would take (the same rules as its registry and settings)."""
    names = frozenset(supported_events())
    if config.enabled_events is not None:
        names &= config.enabled_events
    if config.page_views_enabled:
        return lambda name: name in names or is_page_view(name)
    return names.__contains__


class ChunkProcessor:
    """Parse, filter, transform and then write, send back or validate one chunk at a time (any process)."""

    def __init__(self, config: OarsConfig, lookups: Lookups, mode: str, source: str,
                 client: ClickHouseClient | None = None) -> None:
        self.config = config
        # Events go to the transform as the dicts we already parsed (one JSON parse per line, not two), with the
        # size check done here on the line's own text instead of by the transform re-serialising every dict: an
        # oversize line becomes the same `oversize` rejection the transform would give, and is quarantined.
        self.max_bytes = config.max_event_bytes
        self.transform_config = dataclasses.replace(transform_config(config), max_event_bytes=0)
        self.lookups = lookups
        self.mode = mode
        self.source = source
        self.client = client
        self.wanted = event_filter(config)

    def process(self, lines: list[bytes], path: str = "", first_line: int = 1) -> ChunkOutcome:
        """Counts for ``lines`` (of ``path``, from line ``first_line``); written to ClickHouse in write mode."""
        outcome = ChunkOutcome(lines=len(lines), transformed_by=os.getpid())
        skipped = outcome.skipped
        examples = outcome.examples
        wanted = self.wanted
        max_bytes = self.max_bytes
        events: list[dict[str, Any]] = []
        oversize: list[Rejection] = []
        for line in lines:
            parsed = parse_line(line)
            if isinstance(parsed, Skip):
                skipped[parsed] += 1
                if parsed not in examples:  # the first such line: an identical earlier one would have been first
                    examples[parsed] = f"{path} line {first_line + lines.index(line)}"
            elif not wanted(parsed[0]["name"]):
                skipped[Skip.NOT_TRANSFORMED] += 1
            elif max_bytes and len(parsed[1]) > max_bytes:
                oversize.append(Rejection(Reason.OVERSIZE, f"event larger than {max_bytes} bytes",
                                          parsed[0]["name"], parsed[1].decode("utf-8", "replace")))
            else:
                events.append(parsed[0])
        outcome.events = len(events) + len(oversize)
        if not outcome.events:
            return outcome
        result = transform_batch(events, self.transform_config, self.lookups) if events else BatchResult()
        result.rejections.extend(oversize)
        outcome.transformed = outcome.events - len(result.rejections)
        outcome.statements = len({statement.id for statement in result.statements})
        outcome.rejected.update(str(rejection.reason) for rejection in result.rejections)
        for rejection in result.rejections:
            if str(rejection.reason) not in examples:
                examples[str(rejection.reason)] = _rejection_example(rejection, path)
        if self.mode == WRITE:
            self._write(result, outcome)
        elif self.mode == SEND_BACK:
            # For a writer elsewhere (this process's writer thread, or the parent process), which needs only the
            # row columns: the statement dicts are freed here, at once, not held while the batch waits in a queue.
            outcome.result = BatchResult([_slim(s) for s in result.statements], result.rejections)
        else:
            self._validate(result, outcome)
        return outcome

    def _write(self, result: BatchResult, outcome: ChunkOutcome) -> None:
        _record_write(outcome, write_result(result, self.source, self.client, events=outcome.events,
                                            config=self.config))

    def _validate(self, result: BatchResult, outcome: ChunkOutcome) -> None:
        from oars_platform.xapi.validation import validate_statement  # jsonschema: only needed for --dry-run

        for statement in result.statements:
            errors = validate_statement(statement.statement, allow_erb_parity=True)
            if errors:
                outcome.invalid += 1
                outcome.invalid_errors.update(error.split(":", 1)[0] + ": " + error.rsplit("[", 1)[-1].rstrip("]")
                                              for error in errors)


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


def _record_write(outcome: ChunkOutcome, report: IngestReport) -> None:
    """Statements ClickHouse took, and the ones it refused (quarantined by the writer as ``insert_rejected``)."""
    outcome.written = report.statements
    outcome.written_by = os.getpid()
    if report.outcomes.get(INSERT_REJECTED):
        outcome.rejected[INSERT_REJECTED] += report.outcomes[INSERT_REJECTED]
    outcome.view_refused.update(report.view_refused)


def _slim(statement: TransformedStatement) -> TransformedStatement:
    """The columns the writer needs, without the statement dict (half the bytes to pickle)."""
    return TransformedStatement(statement.id, statement.emission_time, statement.event_name, {}, statement.json)


def replay(paths: Iterable[str], config: OarsConfig, options: ReplayOptions,
           progress: Progress | None = None) -> ReplaySummary:
    """Replay every file in ``paths`` (already expanded) and return the totals."""
    # Every batch allocates ~100 objects per event; without this, each full collection would also walk the whole
    # of Django and our modules, long-lived objects the replay never frees (about a tenth of the run time).
    gc.collect()
    gc.freeze()
    try:
        return _replay(list(paths), config, options, progress)
    finally:
        gc.unfreeze()


def _replay(paths: list[str], config: OarsConfig, options: ReplayOptions, progress: Progress | None
            ) -> ReplaySummary:
    summary = ReplaySummary(files=len(paths))
    chunks = _prefetched(_chunks(paths, options))
    if options.processes > 1:
        _ParallelReplay(config, options, summary, progress).run(chunks)
        return summary
    if options.dry_run:
        processor = ChunkProcessor(config, process_lookups(), VALIDATE, options.source)
        try:
            for chunk, read in chunks:
                if isinstance(chunk, FileError):
                    _file_error(summary, chunk)
                    continue
                summary.note(chunk)
                summary.add(processor.process(chunk.lines, chunk.path, chunk.line))
                if progress:
                    progress(read, summary)
        except KeyboardInterrupt:
            summary.interrupted = True
        return summary
    processor = ChunkProcessor(config, process_lookups(), SEND_BACK, options.source)
    writer = _Writer(config, options.source)

    def count(written: Iterable[tuple[ChunkOutcome, Any]]) -> None:
        for outcome, read in written:
            summary.add(outcome)
            if progress:
                progress(read, summary)

    try:
        for chunk, read in chunks:
            if isinstance(chunk, FileError):
                _file_error(summary, chunk)
                continue
            summary.note(chunk)
            writer.put(processor.process(chunk.lines, chunk.path, chunk.line), read)
            count(writer.finished())
    except KeyboardInterrupt:  # what was handed to the writer is still written and counted below
        summary.interrupted = True
    finally:
        with _sigint_deferred():
            count(writer.close())
    return summary


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Let the writer finish its queued batches before a second Ctrl-C stops the process (counts stay true)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class _Writer:
    """Writes transformed batches on one background thread, so ClickHouse's insert overlaps the next transform.

    chdb and the native driver do most of an insert outside the GIL, and a replay on one process is otherwise
    transform, insert, transform, insert. At most ``depth`` batches wait (memory stays bounded). Batches that queued
    up while an insert ran go in together, as one insert: each insert costs the engine a fixed amount however few
    its rows (the embedded engine plans every materialized view again, about 35 ms with the report views), so the
    writer catches up instead of falling further behind. Written outcomes come back through :meth:`finished` on the
    caller's thread, in order; a write error is raised there too.
    """

    def __init__(self, config: OarsConfig, source: str, depth: int = 2) -> None:
        self.config = config
        self.source = source
        self.depth = depth
        self._todo: queue.Queue[tuple[ChunkOutcome, Any] | None] = queue.Queue(maxsize=depth)
        self._done: queue.Queue[tuple[ChunkOutcome, Any]] = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="oars-replay-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        closing = False
        while not closing and (item := self._todo.get()) is not None:
            items = [item]
            while len(items) < self.depth:
                try:
                    waiting = self._todo.get_nowait()
                except queue.Empty:
                    break
                if waiting is None:
                    closing = True
                    break
                items.append(waiting)
            if self._error is None:
                try:
                    self._write([outcome for outcome, _ in items])
                except BaseException as exc:  # re-raised on the caller's thread
                    self._error = exc
            for outcome, token in items:
                outcome.result = None
                self._done.put((outcome, token))

    def _write(self, outcomes: list[ChunkOutcome]) -> None:
        """One insert for ``outcomes``; the statements written are counted on the last of them."""
        pending = [outcome for outcome in outcomes if outcome.result is not None]
        if not pending:
            return
        results = [outcome.result for outcome in pending if outcome.result is not None]
        merged = results[0] if len(results) == 1 else BatchResult(
            [statement for result in results for statement in result.statements],
            [rejection for result in results for rejection in result.rejections],
        )
        report = write_result(merged, self.source, events=sum(outcome.events for outcome in pending),
                              config=self.config)
        for outcome in pending[:-1]:
            outcome.written_by = os.getpid()
        _record_write(pending[-1], report)

    def put(self, outcome: ChunkOutcome, token: Any) -> None:
        """Queue ``outcome`` (its ``result`` is written); blocks while ``depth`` batches are waiting."""
        self._raise()
        self._todo.put((outcome, token))

    def finished(self) -> list[tuple[ChunkOutcome, Any]]:
        """Outcomes written since the last call (without waiting)."""
        items = []
        while True:
            try:
                items.append(self._done.get_nowait())
            except queue.Empty:
                break
        self._raise()
        return items

    def close(self) -> list[tuple[ChunkOutcome, Any]]:
        """Wait for every queued batch; the outcomes not yet returned by :meth:`finished`."""
        self._todo.put(None)
        self._thread.join()
        return self.finished()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def _chunks(paths: list[str], options: ReplayOptions) -> Iterator[tuple[Chunk | FileError, int]]:
    """Chunks (or file errors) of every file in order, with the disk bytes read since the previous one."""
    remaining = options.limit
    for path in paths:
        if remaining is not None and remaining <= 0:
            return
        position = 0
        for item in iter_chunks(path, options.batch_size, remaining):
            if isinstance(item, FileError):
                yield item, 0
                continue
            if remaining is not None:
                remaining -= len(item.lines)
            yield item, item.read_to - position
            position = item.read_to


def _prefetched[T](items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``items``, produced by a background thread at most ``depth`` ahead.

    zlib inflates the next block outside the GIL while this thread transforms the current one. An exception in the
    producer is raised here.
    """
    buffer: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                buffer.put((True, item))
            buffer.put((False, None))
        except BaseException as exc:  # handed to the consumer
            buffer.put((False, exc))

    thread = threading.Thread(target=produce, name="oars-replay-reader", daemon=True)
    thread.start()
    try:
        while True:
            ok, value = buffer.get()
            if not ok:
                if value is not None:
                    raise value
                return
            yield value
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full buffer
            with contextlib.suppress(queue.Empty):
                buffer.get(timeout=0.1)


def _file_error(summary: ReplaySummary, error: FileError) -> None:
    summary.file_errors.append(f"{error.path}: {error.detail}")
    summary.skipped[Skip.UNREADABLE_FILE] += 1


class _ParentFetchers:
    """Bulk fetchers for a worker's ``CachedLookups`` that ask the parent process (which owns the database)."""

    def __init__(self, worker: int, requests: Any, replies: Any) -> None:
        self.worker = worker
        self.requests = requests
        self.replies = replies

    def _ask(self, kind: str, *args: Any) -> dict[Any, str]:
        self.requests.put(("lookup", self.worker, kind, args))
        ok, value = self.replies.get()
        if not ok:
            raise RuntimeError(f"lookup failed in the parent process: {value}")
        return value

    def fetch_actors(self, refs: set[Any], mode: Any) -> dict[Any, str]:
        """Actor values for ``refs`` (see ``Lookups.actors``)."""
        return self._ask("actors", refs, mode)

    def fetch_course_names(self, course_ids: set[str]) -> dict[str, str]:
        """Course display names (see ``Lookups.course_names``)."""
        return self._ask("course_names", course_ids)


def _worker_main(worker: int, config: OarsConfig, mode: str, source: str, tasks: Any, results: Any,
                 replies: Any) -> None:
    """A worker process: take chunks until the ``None`` sentinel; report each outcome, or the first failure."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the parent decides
    try:
        fetchers = _ParentFetchers(worker, results, replies)
        lookups = CachedLookups(fetchers.fetch_actors, fetchers.fetch_course_names,
                                actor_maxsize=config.lookup_cache_size, actor_ttl=config.lookup_cache_ttl,
                                course_maxsize=config.lookup_cache_size, course_ttl=config.lookup_cache_ttl)
        client = None
        if mode == WRITE:
            client = from_url(config.clickhouse_url, connect_timeout=config.connect_timeout,
                              send_receive_timeout=config.send_receive_timeout)
        processor = ChunkProcessor(config, lookups, mode, source, client)
        while (task := tasks.get()) is not None:
            index, lines, path, first_line = task
            results.put(("done", worker, index, processor.process(lines, path, first_line)))
        if client is not None:
            client.close()
    except BaseException:  # a worker must always report, or the parent would wait forever
        results.put(("failed", worker, None, traceback.format_exc()))


def worker_mode(clickhouse_url: str, dry_run: bool) -> str:
    """What worker processes do with a transformed batch.

    Validate it (dry run); write it themselves when ClickHouse is a server (it takes many connections); or send it
    back for the parent to write when it is the embedded engine (chdb allows one process per data path).
    """
    if dry_run:
        return VALIDATE
    return SEND_BACK if parse_url(clickhouse_url).embedded else WRITE


class _ParallelReplay:
    """The parent's side: feed chunks, answer lookups, write (embedded engine) and count."""

    def __init__(self, config: OarsConfig, options: ReplayOptions, summary: ReplaySummary,
                 progress: Progress | None) -> None:
        self.config = config
        self.options = options
        self.summary = summary
        self.progress = progress
        self.mode = worker_mode(config.clickhouse_url, options.dry_run)
        self.parent_writes = self.mode == SEND_BACK
        self.lookups = process_lookups()
        self.read: dict[int, int] = {}
        self.writer: _Writer | None = None

    def run(self, chunks: Iterator[tuple[Chunk | FileError, int]]) -> None:
        """Process every chunk; raises :class:`ReplayError` if a worker fails."""
        ctx = mp.get_context("spawn")
        count = self.options.processes
        tasks = ctx.Queue(maxsize=count * 2)
        results = ctx.Queue()
        replies = [ctx.Queue() for _ in range(count)]
        workers = [
            ctx.Process(target=_worker_main, name=f"oars-replay-{index}", daemon=True,
                        args=(index, self.config, self.mode, self.options.source, tasks, results, replies[index]))
            for index in range(count)
        ]
        for process in workers:
            process.start()
        self.writer = _Writer(self.config, self.options.source) if self.parent_writes else None
        try:
            self._loop(chunks, tasks, results, replies, workers)
            for _ in workers:
                tasks.put(None)
            for process in workers:
                process.join()
        except KeyboardInterrupt:  # chunks still in the workers are dropped: neither written nor counted
            self.summary.interrupted = True
        finally:
            for process in workers:
                if process.is_alive():
                    process.terminate()
                    process.join()
            for channel in (tasks, results, *replies):  # never hang at exit on a pipe nobody reads any more
                channel.cancel_join_thread()
            if self.writer is not None:
                with _sigint_deferred():
                    self._count(self.writer.close())

    def _loop(self, chunks: Iterator[tuple[Chunk | FileError, int]], tasks: Any, results: Any, replies: list[Any],
              workers: list[Any]) -> None:
        limit = self.options.processes * 2
        pending = 0
        index = 0
        exhausted = False
        while True:
            while not exhausted and pending < limit:
                item = next(chunks, None)
                if item is None:
                    exhausted = True
                    break
                chunk, read = item
                if isinstance(chunk, FileError):
                    _file_error(self.summary, chunk)
                    continue
                self.summary.note(chunk)
                tasks.put((index, chunk.lines, chunk.path, chunk.line))
                self.read[index] = read
                index += 1
                pending += 1
            if pending == 0:
                return
            try:
                kind, worker, task, payload = results.get(timeout=1.0)
            except queue.Empty:
                dead = [process.name for process in workers if not process.is_alive()]
                if dead:
                    raise ReplayError(f"worker process(es) died without reporting: {', '.join(dead)}") from None
                continue
            if kind == "lookup":
                replies[worker].put(self._answer(task, payload))
            elif kind == "done":
                pending -= 1
                self._done(task, payload)
            else:
                raise ReplayError(f"worker {worker} failed:\n{scrub_text(payload)}")  # its exception may quote an event

    def _answer(self, kind: str, args: tuple[Any, ...]) -> tuple[bool, Any]:
        try:
            if kind == "actors":
                return True, self.lookups.actors(*args)
            return True, self.lookups.course_names(*args)
        except Exception as exc:  # reported to the worker, whose transform rejects the batch as lookup_failed
            return False, type(exc).__name__

    def _done(self, index: int, outcome: ChunkOutcome) -> None:
        if self.writer is not None:
            self.writer.put(outcome, index)
            self._count(self.writer.finished())
        else:
            self._count([(outcome, index)])

    def _count(self, outcomes: Iterable[tuple[ChunkOutcome, int]]) -> None:
        for outcome, index in outcomes:
            self.summary.add(outcome)
            if self.progress:
                self.progress(self.read.pop(index, 0), self.summary)
