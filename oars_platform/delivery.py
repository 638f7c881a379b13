"""The one delivery policy: how often a failed write is tried again, how long to wait, and where it lands after.

Every path that writes to ClickHouse in the background follows it: the Celery tasks
(:class:`~oars_platform.tasks.base.OarsTask`, through Celery's own retry mechanism) and the tracking buffer's drain
(:mod:`oars_platform.drain`, which retries by leaving entries pending in the stream). Both ask the same two
questions, so both get the same answers:

* **how long to wait** before attempt ``n + 1``: :meth:`DeliveryPolicy.backoff`, exponential and capped, with full
  jitter so that workers failing together do not come back together;
* **what to keep** once the retries are used up: :meth:`DeliveryPolicy.dead_letter`, a
  :class:`~oars_platform.models.DeadLetter` holding a scrubbed payload from which
  :mod:`oars_platform.dead_letters` can redo the work (``replay_failed_events``).

The numbers come from the settings (``OARS_TASK_MAX_RETRIES``, ``OARS_RETRY_BACKOFF_MAX``) each time a policy is
asked for, so a changed setting applies to the next retry, not only to tasks registered after it.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from oars_platform.conf import get_config
from oars_platform.privacy import scrub_raw, scrub_text, scrub_value

if TYPE_CHECKING:
    from oars_platform.models import DeadLetter

log = logging.getLogger(__name__)

#: Reasons are kept to this many characters: the error's type and first lines are what an operator reads.
REASON_MAX_CHARS = 1000

#: The payload key holding raw event texts (tracking letters): scrubbed as events, so a replay gives the same
#: statements; every other value is scrubbed as a JSON value.
EVENTS_KEY = "events"


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retries, backoff and dead letters, shared by every task and the drain."""

    #: Retries after the first attempt; attempt ``max_retries + 1`` failing means a dead letter.
    max_retries: int
    #: Longest wait between two attempts, in seconds.
    backoff_max: float
    #: The wait before retry ``n`` is at most ``backoff_base ** n`` seconds (2, 4, 8, ... with the default).
    backoff_base: float = 2.0
    #: Full jitter: the wait is drawn uniformly between ``backoff_min`` and that ceiling.
    jitter: bool = True
    #: No retry comes sooner than this (a zero wait would hammer a server that just failed).
    backoff_min: float = 0.5

    @classmethod
    def from_settings(cls) -> DeliveryPolicy:
        """The policy the current settings describe."""
        config = get_config()
        return cls(max_retries=config.max_retries, backoff_max=float(config.retry_backoff_max))

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number ``attempt`` (1 for the first retry)."""
        ceiling = max(self.backoff_min, min(self.backoff_max, self.backoff_base ** max(1, attempt)))
        return random.uniform(self.backoff_min, ceiling) if self.jitter else ceiling

    def exhausted(self, attempts: int) -> bool:
        """Whether ``attempts`` tries (the first one included) used up every retry."""
        return attempts > self.max_retries

    def dead_letter(
        self,
        kind: str,
        task_name: str,
        reason: str,
        payload: Mapping[str, Any],
        attempts: int,
        item_count: int,
    ) -> DeadLetter:
        """Store work that failed every retry, scrubbed of personal data, for ``replay_failed_events``.

        ``kind`` is one of the ``DeadLetter.KIND_*`` constants, each of which has a replay function in
        :mod:`oars_platform.dead_letters`; ``payload`` is what that function needs.
        """
        from oars_platform.models import DeadLetter

        reason = scrub_text(reason)[:REASON_MAX_CHARS]
        letter = DeadLetter.objects.create(
            kind=kind,
            task_name=task_name,
            reason=reason,
            payload=scrub_payload(payload),
            item_count=item_count,
            attempts=attempts,
        )
        log.error(
            "oars: %s failed for good after %d attempt(s) (%s); stored as %s dead letter #%d",
            task_name,
            attempts,
            reason[:200],
            kind,
            letter.id,
        )
        return letter


def delivery_policy() -> DeliveryPolicy:
    """The policy in force now (read from the settings at each call)."""
    return DeliveryPolicy.from_settings()


def scrub_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A dead letter's payload without personal data, still holding what its replay needs."""
    scrubbed: dict[str, Any] = {}
    for key, value in payload.items():
        if key == EVENTS_KEY and isinstance(value, list):
            scrubbed[key] = [scrub_raw(text) if isinstance(text, str) else scrub_value(text) for text in value]
        else:
            scrubbed[key] = scrub_value(value)
    return scrubbed
