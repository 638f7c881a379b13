"""One bounded look at the event buffer's Redis, for ``oars_status`` and ``check --deploy``.

The request path and the drains have their own Redis clients and timeouts (``buffer.py``); a probe must answer
within the operator's connect timeout whatever state Redis is in (down, hung, a port that accepts and never
answers), so it opens its own short-lived connection with that timeout on every socket operation.

The buffer's age is read from Redis alone: a stream entry's id is the Redis server's clock (milliseconds) when the
event was appended, and drains delete entries once they are stored, so the oldest entry left is the oldest event
received and not yet stored, and ``TIME`` minus its id is how long it has waited. No producer's clock takes part,
so a host whose clock runs ahead cannot make a backlog look like zero lag.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis

from oars_platform.privacy import mask_secrets


class RedisUnreachable(Exception):
    """Redis did not answer within the timeout, refused the connection or the command; the message says which."""


@dataclass(frozen=True)
class BufferState:
    """What is waiting in the stream: entries (waiting or being processed) and the oldest one's age in seconds."""

    depth: int
    oldest_age_seconds: float


def probe_buffer(url: str, prefix: str, timeout: float) -> BufferState:
    """The stream ``<prefix>:tracking``'s depth and age, every Redis call bounded by ``timeout`` seconds."""
    client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout, retry_on_timeout=False)
    stream = f"{prefix}:tracking"
    try:
        pipe = client.pipeline(transaction=False)
        pipe.time()
        pipe.xlen(stream)
        pipe.xrange(stream, count=1)
        (seconds, micros), depth, oldest = pipe.execute()
    except redis.RedisError as exc:
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise RedisUnreachable(f"Redis at {mask_secrets(_masked(url))} is not usable: {mask_secrets(detail)}") from None
    finally:
        client.close()
    now_ms = seconds * 1000 + micros // 1000
    age = 0.0
    if oldest:
        entry_id = oldest[0][0]
        entry_ms = int((entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)).partition("-")[0])
        age = max(0.0, (now_ms - entry_ms) / 1000)
    return BufferState(depth=int(depth), oldest_age_seconds=age)


def _masked(url: str) -> str:
    from oars_platform.clickhouse import mask_url

    return mask_url(url)
