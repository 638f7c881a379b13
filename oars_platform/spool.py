"""The local spool: tracking events the request path could not buffer in Redis wait on local disk, then go on.

Why a file per process: the request path must not wait, so an append is one ``write`` to a file only this process
writes (no lock shared with the host's other gunicorn workers, no interleaving); a file is flocked by the process
that writes or delivers it, so a file whose lock is free belongs to a process that is gone, and any other process of
the host using the same ``OARS_SPOOL_DIR`` adopts and delivers it (LMS, Studio or a Celery worker, when it starts
or whenever it runs its own flusher).

Why these records: one line per event, ``<crc32 hex> <JSON [sequence, source, raw]>``. A process killed in the
middle of a ``write`` leaves at most a torn last line, which fails its checksum and is counted as dropped (it is in
the tracking log). Writes are not fsynced one by one (a request would wait on the disk): the flusher thread fsyncs
every ``OARS_REDIS_RETRY_SECONDS``, so a crash of the process loses nothing that was written, and a crash of the
machine loses at most that interval.

Why exactly once: a process appends a file's records to the stream in chunks through one Redis script that skips
records at or below the file's mark (the last sequence appended, kept in Redis for a week) and moves the mark; the
file is deleted after. Two processes delivering the same file, or a delivery repeated after a crash, append nothing
twice.

The bound: each process keeps at most ``OARS_SPOOL_MAX_BYTES`` of undelivered events. An event past it is counted
(in a small ``.dropped`` file beside the spool, then in Redis once it is back), reported by ``oars_status`` and
``check --deploy`` with the command that recovers it, ``replay_tracking_logs``.

Delivery is the flusher thread's: started by the first spooled event (or by orphaned files found at start-up), it
tries every ``OARS_REDIS_RETRY_SECONDS`` until everything is delivered, so a process that gets no more traffic still
delivers; it closes the request path's circuit breaker and wakes a drain when it has appended something.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import socket
import threading
import time
import uuid
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

log = logging.getLogger(__name__)

SUFFIX = ".spool"
DROPPED_SUFFIX = ".dropped"
#: Records per Redis call when a file is delivered.
CHUNK = 500
#: How an operator recovers what a spool could not keep.
RECOVERY = "replay_tracking_logs"


def encode_record(sequence: int, raw: str, source: str) -> bytes:
    """One spool line: checksum, space, JSON of (sequence, source, raw), newline."""
    payload = orjson.dumps([sequence, source, raw])
    return b"%08x %s\n" % (zlib.crc32(payload), payload)


def decode_record(line: bytes) -> tuple[int, str, str] | None:
    """(sequence, raw, source) of a whole line, None for a torn or damaged one."""
    if len(line) < 11 or not line.endswith(b"\n") or line[8:9] != b" ":
        return None
    payload = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(payload):
            return None
        sequence, source, raw = orjson.loads(payload)
    except ValueError:
        return None
    return int(sequence), str(raw), str(source)


def _token() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:12]}"


class Segment:
    """One spool file and its open, exclusively flocked descriptor."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd
        self.size = 0
        self.sequence = 0

    @property
    def token(self) -> str:
        """The file's name without suffix: the key of its mark in Redis."""
        return self.path.name[: -len(SUFFIX)]

    @classmethod
    def create(cls, directory: Path) -> Segment:
        """A new file of this process, locked for as long as the process has it."""
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{_token()}{SUFFIX}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return cls(path, fd)

    @classmethod
    def adopt(cls, path: Path) -> Segment | None:
        """The file of a process that is gone (its lock is free), or None while its owner holds it."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        if os.fstat(fd).st_nlink == 0:  # delivered and deleted by another process between listing and locking
            os.close(fd)
            return None
        return cls(path, fd)

    def write(self, line: bytes) -> None:
        """Append one record with one write (a crash leaves a whole line or a torn last one)."""
        os.write(self.fd, line)
        self.size += len(line)
        self.sequence += 1

    def records(self) -> Iterator[tuple[int, str, str] | None]:
        """Every record in order; None for a torn or damaged line."""
        with self.path.open("rb") as stream:  # the path stays: no other process can lock, deliver and delete it
            for line in stream:
                yield decode_record(line)

    def remove(self) -> None:
        """Delete the file (delivered), then release its lock."""
        self.path.unlink(missing_ok=True)
        os.close(self.fd)


@dataclass
class Dropped:
    """Events a process could not keep: how many, and when the first and last were."""

    count: int = 0
    first: float = 0.0
    last: float = 0.0


def read_dropped(path: Path) -> Dropped:
    """A ``.dropped`` file's three numbers (zeros when it is empty or damaged)."""
    try:
        count, first, last = path.read_text().split()
        return Dropped(int(count), float(first), float(last))
    except (OSError, ValueError):
        return Dropped()


class Spool:
    """A process's spool: append on the request path, deliver from the flusher thread."""

    def __init__(self, directory: str, max_bytes: int, retry_seconds: float,
                 buffer: Callable[[], Any], on_delivered: Callable[[], None] | None = None) -> None:
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.retry_seconds = retry_seconds
        self.buffer = buffer
        self.on_delivered = on_delivered
        self.current: Segment | None = None
        self.sealed: list[Segment] = []
        self.bytes = 0
        self.spooled = 0
        self.delivered = 0
        self.dropped = Dropped()
        self._dropped_path = self.directory / f"{_token()}{DROPPED_SUFFIX}"
        self._dropped_fd: int | None = None
        self._lock = threading.Lock()
        self._delivering = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # The request path

    def append(self, raw: str, source: str) -> bool:
        """Keep one event on disk; False when it did not fit (or the disk refused it): it is then counted."""
        with self._lock:
            sequence = self.current.sequence if self.current else 0
            line = encode_record(sequence, raw, source)
            kept = self.bytes + len(line) <= self.max_bytes
            if kept:
                try:
                    if self.current is None:
                        self.current = Segment.create(self.directory)
                    self.current.write(line)
                    self.bytes += len(line)
                    self.spooled += 1
                except OSError as exc:
                    kept = False
                    log.error("oars: the spool at %s refused an event (%s)", self.directory, type(exc).__name__)
            if not kept:
                self._drop(1)
            self._ensure_flusher()
        return kept

    def _drop(self, count: int) -> None:
        """Count events that are lost from the live path (under the lock), on disk so no restart forgets them."""
        now = time.time()
        if not self.dropped.count:
            log.error("oars: the spool at %s is full (OARS_SPOOL_MAX_BYTES=%d); events are dropped from the live "
                      "path and counted: recover them with %s", self.directory, self.max_bytes, RECOVERY)
        self.dropped = Dropped(self.dropped.count + count, self.dropped.first or now, now)
        try:
            if self._dropped_fd is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._dropped_fd = os.open(self._dropped_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                fcntl.flock(self._dropped_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            text = b"%020d %020.3f %020.3f\n" % (self.dropped.count, self.dropped.first, self.dropped.last)
            os.pwrite(self._dropped_fd, text, 0)
        except OSError as exc:
            log.error("oars: could not record %d dropped events in %s (%s)", count, self.directory,
                      type(exc).__name__)

    # Delivery

    def _ensure_flusher(self) -> None:
        """Start the flusher thread unless it runs (under the lock)."""
        if self._thread is None and not self._stop.is_set():
            self._thread = threading.Thread(target=self._run, name="oars-spool-flusher", daemon=True)
            self._thread.start()

    def wake_for_orphans(self) -> None:
        """Start the flusher when files of processes that are gone wait in the directory (at start-up)."""
        if any(self._foreign_files()):
            with self._lock:
                self._ensure_flusher()

    def _run(self) -> None:
        while not self._stop.wait(self.retry_seconds):
            try:
                self.deliver()
            except Exception as exc:  # Redis still away: try again after the pause
                log.warning("oars: spooled events not delivered yet (%s); next try in %.1fs", type(exc).__name__,
                            self.retry_seconds)
                continue
            with self._lock:
                if self.current is None and not self.sealed and not any(self._foreign_files()):
                    self._thread = None
                    return
        with self._lock:
            self._thread = None

    def deliver(self) -> int:
        """Append every spooled event of this process and of gone processes to the stream; return how many.

        Raises the Redis error when Redis is still unreachable (what was appended before stays appended).
        """
        with self._delivering:
            with self._lock:
                if self.current is not None:
                    os.fsync(self.current.fd)
                    self.sealed.append(self.current)
                    self.current = None
                sealed = list(self.sealed)
            buffer = self.buffer()
            appended = 0
            for segment in sealed:
                appended += self._deliver_segment(buffer, segment)
                with self._lock:
                    self.sealed.remove(segment)
                    self.bytes -= segment.size
                segment.remove()
            for path in list(self._foreign_files()):
                if path.name.endswith(SUFFIX):
                    segment = Segment.adopt(path)
                    if segment is not None:
                        appended += self._deliver_segment(buffer, segment)
                        segment.remove()
            self._report_dropped(buffer)
            self.delivered += appended
        if appended:
            log.warning("oars: %d spooled events appended to the buffer", appended)
            if self.on_delivered is not None:
                self.on_delivered()
        return appended

    def _deliver_segment(self, buffer: Any, segment: Segment) -> int:
        appended, chunk, torn = 0, [], 0
        for record in segment.records():
            if record is None:
                torn += 1
                continue
            chunk.append(record)
            if len(chunk) >= CHUNK:
                appended += buffer.append_spooled(segment.token, chunk)[0]
                chunk = []
        if chunk:
            appended += buffer.append_spooled(segment.token, chunk)[0]
        if torn:
            log.error("oars: %d torn records in %s (a process died while writing); counted as dropped",
                      torn, segment.path.name)
            with self._lock:
                self._drop(torn)
        return appended

    def _report_dropped(self, buffer: Any) -> None:
        """Move drop counts into Redis (idempotent per file), where every host's status reads them."""
        with self._lock:
            own, own_path = self.dropped, self._dropped_path
        if own.count:
            buffer.report_dropped(own_path.name, own.count, own.first, own.last)
            with self._lock:
                if self.dropped.count == own.count:  # nothing dropped meanwhile: start a new, empty file
                    own_path.unlink(missing_ok=True)
                    if self._dropped_fd is not None:
                        os.close(self._dropped_fd)
                        self._dropped_fd = None
                    self.dropped = Dropped()
                    self._dropped_path = self.directory / f"{_token()}{DROPPED_SUFFIX}"
        for path in list(self._foreign_files()):
            if not path.name.endswith(DROPPED_SUFFIX):
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # its process lives and reports for itself
                os.close(fd)
                continue
            dropped = read_dropped(path)
            if dropped.count:
                buffer.report_dropped(path.name, dropped.count, dropped.first, dropped.last)
            path.unlink(missing_ok=True)
            os.close(fd)

    def _foreign_files(self) -> Iterator[Path]:
        """Spool and drop files in the directory that are not this process's (their owners may be alive)."""
        own = {segment.path for segment in self.sealed}
        if self.current is not None:
            own.add(self.current.path)
        own.add(self._dropped_path)
        try:
            paths = sorted(self.directory.iterdir())
        except FileNotFoundError:
            return
        for path in paths:
            if path not in own and path.name.endswith((SUFFIX, DROPPED_SUFFIX)):
                yield path

    def close(self) -> None:
        """Stop the flusher and release the files (they stay on disk for the next process)."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=10)
        with self._lock:
            for segment in [*self.sealed, *([self.current] if self.current else [])]:
                os.close(segment.fd)
            self.sealed, self.current = [], None
            if self._dropped_fd is not None:
                os.close(self._dropped_fd)
                self._dropped_fd = None


@dataclass
class LocalSpoolReport:
    """What waits in a spool directory on this host, and what it could not keep and has not reported yet."""

    directory: str
    files: int = 0
    events: int = 0
    unreported_dropped: int = 0


def local_report(directory: str) -> LocalSpoolReport:
    """Count the spooled events and unreported drops in ``directory`` (read-only, whoever owns the files)."""
    report = LocalSpoolReport(directory)
    try:
        paths = sorted(Path(directory).iterdir())
    except FileNotFoundError:
        return report
    for path in paths:
        try:
            if path.name.endswith(SUFFIX):
                report.files += 1
                with path.open("rb") as stream:
                    report.events += sum(1 for _ in stream)
            elif path.name.endswith(DROPPED_SUFFIX):
                report.unreported_dropped += read_dropped(path).count
        except OSError:
            continue
    return report


@dataclass
class DroppedSummary:
    """Events the spools could not keep: reported to Redis by every host, plus this host's unreported ones."""

    count: int
    first: str
    last: str


def dropped_summary() -> DroppedSummary:
    """The drops an operator must recover with ``replay_tracking_logs``, with the UTC window they fall in.

    Redis holds what every host reported; this host's ``.dropped`` files hold what was not reported yet (a file
    is deleted once its count is in Redis). Raises the Redis error while Redis is away.
    """
    from oars_platform.buffer import get_buffer
    from oars_platform.conf import get_config

    count, first, last = 0, 0.0, 0.0
    for path in Path(get_config().spool_dir).glob(f"*{DROPPED_SUFFIX}"):
        local = read_dropped(path)
        if local.count:
            count += local.count
            first = min(first or local.first, local.first)
            last = max(last, local.last)
    reported = get_buffer().dropped()
    if reported.get("count"):
        count += reported["count"]
        first = min(first or reported["first"], reported["first"])
        last = max(last, reported["last"])
    return DroppedSummary(count, format_epoch(first) if count else "", format_epoch(last) if count else "")


def format_epoch(seconds: int | float) -> str:
    """An epoch time as UTC ISO text (for messages)."""
    return dt.datetime.fromtimestamp(float(seconds), dt.UTC).isoformat(timespec="seconds")


_SPOOLS: dict[tuple[Any, ...], Spool] = {}
_SPOOLS_LOCK = threading.Lock()


def get_spool() -> Spool:
    """The process's spool for the configured directory, bound, Redis and key prefix."""
    from oars_platform.buffer import _buffer
    from oars_platform.conf import get_config

    config = get_config()
    url, prefix = config.redis_url, config.redis_key_prefix
    key = (config.spool_dir, config.spool_max_bytes, config.redis_retry_seconds, url, prefix, os.getpid())
    spool = _SPOOLS.get(key)
    if spool is None:
        with _SPOOLS_LOCK:
            spool = _SPOOLS.setdefault(key, Spool(config.spool_dir, config.spool_max_bytes, config.redis_retry_seconds,
                                                  lambda: _buffer(url, prefix, os.getpid()), _wake_drain))
    return spool


#: What runs after a delivery (closing the request path's breaker, waking a drain): registered by
#: ``oars_platform.tasks.tracking``, which imports this module, so the spool needs no import of the tasks.
ON_DELIVERED: list[Callable[[], None]] = []


def _wake_drain() -> None:
    """After a delivery: run what the task module registered."""
    for callback in ON_DELIVERED:
        callback()


def reset_spools() -> None:
    """Stop every spool of this process and forget them (tests)."""
    with _SPOOLS_LOCK:
        spools = list(_SPOOLS.values())
        _SPOOLS.clear()
    for spool in spools:
        spool.close()
