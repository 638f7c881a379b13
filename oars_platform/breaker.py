"""A circuit breaker for the request path's Redis calls.

With Redis hung, every append would wait out the socket timeout; with the breaker, the first failure costs one
short timeout (``OARS_REDIS_REQUEST_TIMEOUT``) and, for ``OARS_REDIS_RETRY_SECONDS`` after it, events go straight to
the local spool without touching the network. After that pause one event tries Redis again (a failure re-opens the
breaker); the spool's flusher thread also closes it as soon as it has delivered to Redis.
"""

from __future__ import annotations

import time


class CircuitBreaker:
    """Closed (calls go through) or open until a moment; one process-wide instance per Redis URL."""

    def __init__(self, open_seconds: float) -> None:
        self.open_seconds = open_seconds
        self._open_until = 0.0
        self.trips = 0

    def allows(self) -> bool:
        """True when a call may be tried (closed, or the pause after the last failure is over)."""
        return time.monotonic() >= self._open_until

    @property
    def is_open(self) -> bool:
        """True while calls are skipped."""
        return not self.allows()

    def trip(self) -> bool:
        """A call failed: skip calls for ``open_seconds``. True when the breaker was closed before (log once)."""
        was_closed = self._open_until == 0.0
        self._open_until = time.monotonic() + self.open_seconds
        self.trips += 1
        return was_closed

    def reset(self) -> bool:
        """A call succeeded: let every call through again. True when the breaker was open or had tripped."""
        was_tripped = self._open_until != 0.0
        self._open_until = 0.0
        return was_tripped
