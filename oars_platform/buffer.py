"""The durable buffer between the request path and the workers: a Redis Stream with a consumer group.

Why not one Celery message per event: kombu's Redis transport pops a message (BRPOP) before recording it as
unacknowledged, so a worker killed in between loses it — measured here at 1 to 3 messages in 20,000 over six
SIGKILLs. A stream consumer group has no such window: ``XREADGROUP`` moves entries to the group's pending list
atomically, they stay there until ``XACK``, and ``XAUTOCLAIM`` hands a dead consumer's entries to a live one.

So tracking events are appended to the stream (``XADD``) and Celery tasks are only wake-up calls that drain it in
batches. Each entry's delivery count (from ``XPENDING``) drives the retry backoff and, past the last retry, the
move to the dead-letter store.

The consumer group lives in Redis, so a ``FLUSHALL`` or a restart of a Redis without persistence removes it while
workers run: a read or acknowledgement that meets ``NOGROUP`` creates the group again and goes on.

Two clients per process: the workers' (socket timeout of seconds: a drain may wait) and the request path's
(``OARS_REDIS_REQUEST_TIMEOUT``, no retries: a request never waits on Redis; see :mod:`oars_platform.spool`).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from functools import cache
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from oars_platform.conf import get_config

GROUP = "oars-ingest"

#: Appends a spooled segment's records after the last one already appended (``KEYS[2]`` holds its sequence
#: number), in one atomic step: a segment delivered twice, by two processes or after a crash between this call
#: and the local deletion, appends each record exactly once.
_APPEND_SPOOLED = """
local mark = tonumber(redis.call('GET', KEYS[2]) or '-1')
local added = 0
for i = 2, #ARGV, 3 do
  local seq = tonumber(ARGV[i])
  if seq > mark then
    redis.call('XADD', KEYS[1], '*', 'e', ARGV[i + 1], 's', ARGV[i + 2])
    mark = seq
    added = added + 1
  end
end
redis.call('SET', KEYS[2], mark, 'EX', ARGV[1])
return {added, redis.call('XLEN', KEYS[1])}
"""

#: Adds a process's count of events the spool could not keep, once: ``KEYS[2]`` remembers what was reported.
_REPORT_DROPPED = """
local done = tonumber(redis.call('GET', KEYS[2]) or '0')
local count = tonumber(ARGV[1])
if count > done then
  redis.call('HINCRBY', KEYS[1], 'count', count - done)
  local first = tonumber(redis.call('HGET', KEYS[1], 'first') or ARGV[2])
  if tonumber(ARGV[2]) <= first then redis.call('HSET', KEYS[1], 'first', ARGV[2]) end
  local last = tonumber(redis.call('HGET', KEYS[1], 'last') or ARGV[3])
  if tonumber(ARGV[3]) >= last then redis.call('HSET', KEYS[1], 'last', ARGV[3]) end
end
redis.call('SET', KEYS[2], count, 'EX', ARGV[4])
return count - done
"""

#: How long Redis remembers a spooled segment's or a drop report's progress (a week: longer than any outage).
SPOOL_MARK_TTL = 7 * 24 * 3600


def _is_nogroup(exc: redis.ResponseError) -> bool:
    return "NOGROUP" in str(exc)


@dataclass(frozen=True)
class Entry:
    """One buffered event: its stream id, raw text and the path it came by."""

    id: str
    raw: str
    source: str


class EventBuffer:
    """Append, read in batches, acknowledge, reclaim, count: the stream operations the pipeline needs."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self.client = client
        self.stream = f"{prefix}:tracking"
        self.timer_key = f"{prefix}:tracking:timer"
        self.size_key = f"{prefix}:tracking:size-trigger"
        self.consumer = f"{socket.gethostname()}-{os.getpid()}"
        self.dropped_key = f"{prefix}:spool:dropped"
        self._prefix = prefix
        self._group_ready = False

    def append(self, raw: str, source: str, timer_seconds: float) -> tuple[int, bool]:
        """Add one event; return the stream's length and whether this call started the drain timer.

        One round trip: the append, the length and the timer claim travel in one pipeline.
        """
        pipe = self.client.pipeline(transaction=False)
        pipe.xadd(self.stream, {"e": raw, "s": source})
        pipe.xlen(self.stream)
        pipe.set(self.timer_key, "1", nx=True, px=max(1, int(timer_seconds * 1000)))
        _, length, timer_started = pipe.execute()
        return int(length), bool(timer_started)

    def append_spooled(self, segment: str, records: list[tuple[int, str, str]]) -> tuple[int, int]:
        """Append records ``(sequence, raw, source)`` of a spool segment; return (appended, stream length).

        Records at or below the segment's mark in Redis were appended before and are skipped.
        """
        argv: list[Any] = [SPOOL_MARK_TTL]
        for sequence, raw, source in records:
            argv.extend((sequence, raw, source))
        added, length = self.client.eval(_APPEND_SPOOLED, 2, self.stream, f"{self._prefix}:spool:{segment}", *argv)
        return int(added), int(length)

    def report_dropped(self, token: str, count: int, first: float, last: float) -> int:
        """Add a process's dropped-event count (idempotent per ``token``); return what was newly added."""
        return int(self.client.eval(_REPORT_DROPPED, 2, self.dropped_key, f"{self._prefix}:spool:dropped:{token}",
                                    count, int(first), int(last), SPOOL_MARK_TTL))

    def dropped(self) -> dict[str, int]:
        """Events the spools of every host could not keep, as reported to Redis: count, first and last (epoch)."""
        return {_text(key): int(value) for key, value in self.client.hgetall(self.dropped_key).items()}

    def clear_dropped(self) -> None:
        """Forget the reported drops (after the operator replayed the tracking logs)."""
        self.client.delete(self.dropped_key)

    def ensure_group(self, force: bool = False) -> None:
        """Create the consumer group (from the start of the stream) if it does not exist."""
        if self._group_ready and not force:
            return
        try:
            self.client.xgroup_create(self.stream, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def read(self, count: int, claim_idle_ms: int) -> list[Entry]:
        """Up to ``count`` entries: first those a silent consumer held longer than ``claim_idle_ms``, then new ones."""
        self.ensure_group()
        try:
            return self._read(count, claim_idle_ms)
        except redis.ResponseError as exc:
            if not _is_nogroup(exc):
                raise
            self.ensure_group(force=True)  # Redis was flushed or restarted empty: the group is gone
            return self._read(count, claim_idle_ms)

    def _read(self, count: int, claim_idle_ms: int) -> list[Entry]:
        claimed = self.client.xautoclaim(self.stream, GROUP, self.consumer, claim_idle_ms, "0-0", count=count)
        entries = [_entry(entry_id, fields) for entry_id, fields in claimed[1] if fields]
        if len(entries) < count:
            fresh = self.client.xreadgroup(GROUP, self.consumer, {self.stream: ">"}, count=count - len(entries))
            for _, items in fresh or []:
                entries.extend(_entry(entry_id, fields) for entry_id, fields in items if fields)
        return entries

    def ack(self, ids: list[str]) -> None:
        """Forget entries that are safely stored (acknowledge and delete them)."""
        if ids:
            pipe = self.client.pipeline(transaction=False)
            pipe.xack(self.stream, GROUP, *ids)
            pipe.xdel(self.stream, *ids)
            try:
                pipe.execute()
            except redis.ResponseError as exc:
                if not _is_nogroup(exc):
                    raise
                self.client.xdel(self.stream, *ids)  # the group went with a flush: nothing is pending any more
                self._group_ready = False

    def pending(self) -> int:
        """Entries read by some consumer and not acknowledged (0 when the group does not exist)."""
        try:
            return int(self.client.xpending(self.stream, GROUP)["pending"])
        except redis.ResponseError as exc:
            if not _is_nogroup(exc):
                raise
            return 0

    def deliveries(self, ids: list[str]) -> dict[str, int]:
        """How many times each pending entry has been delivered (1 on the first read)."""
        if not ids:
            return {}
        wanted = set(ids)
        counts: dict[str, int] = {}
        try:
            rows = self.client.xpending_range(self.stream, GROUP, min=min(ids, key=_order), max=max(ids, key=_order),
                                              count=len(ids) * 2 + 10)
        except redis.ResponseError as exc:
            if not _is_nogroup(exc):
                raise
            rows = []
        for row in rows:
            entry_id = _text(row["message_id"])
            if entry_id in wanted:
                counts[entry_id] = int(row["times_delivered"])
        return counts

    def depth(self) -> int:
        """Events waiting or being processed (the stream's length)."""
        return int(self.client.xlen(self.stream))

    def claim_size_trigger(self) -> bool:
        """True at most once a second: the caller then schedules an immediate drain."""
        return bool(self.client.set(self.size_key, "1", nx=True, px=1000))

    def clear_timer(self) -> None:
        """Let the next event start a new timer (after a drain emptied the stream)."""
        self.client.delete(self.timer_key)

    def destroy(self) -> None:
        """Delete the stream and its keys (tests)."""
        self.client.delete(self.stream, self.timer_key, self.size_key)
        self._group_ready = False


def _order(entry_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence or 0)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entry(entry_id: Any, fields: dict[Any, Any]) -> Entry:
    decoded = {_text(key): _text(value) for key, value in fields.items()}
    return Entry(_text(entry_id), decoded.get("e", ""), decoded.get("s", "tracking"))


@cache
def _buffer(url: str, prefix: str, pid: int, request_timeout: float | None = None) -> EventBuffer:
    if request_timeout is None:  # the workers', the spool flusher's and the commands' client
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2, health_check_interval=30)
    else:
        # The request path's: one short try, no retry (redis-py retries timeouts 3 times by default).
        client = redis.Redis.from_url(url, socket_timeout=request_timeout,
                                      socket_connect_timeout=request_timeout,
                                      retry=Retry(NoBackoff(), 0), health_check_interval=30)
    return EventBuffer(client, prefix)


def get_buffer() -> EventBuffer:
    """The buffer for the configured Redis URL and key prefix (one per process: a forked worker gets its own)."""
    config = get_config()
    return _buffer(config.redis_url, config.redis_key_prefix, os.getpid())


def get_request_buffer() -> EventBuffer:
    """The same buffer through the request path's client (``OARS_REDIS_REQUEST_TIMEOUT``, no retries)."""
    config = get_config()
    return _buffer(config.redis_url, config.redis_key_prefix, os.getpid(), config.redis_request_timeout)
