"""The one delivery policy every task of the plugin shares.

* **Late acknowledgement**: a message is acknowledged after its task ran, and rejected back to the broker if the
  worker dies, so a killed worker loses nothing (the broker redelivers).
* **Retries with exponential backoff and jitter** (Celery's own ``retry_backoff``/``retry_jitter``) for failures
  that may pass: ClickHouse unreachable or refusing a batch, a lookup source down.
* **Dead letters**: after the last retry the payload is stored in :class:`~oars_platform.models.DeadLetter` with
  the reason; ``./manage.py lms replay_failed_events`` sends it again later.
* **Enqueue after commit**: :func:`enqueue_on_commit` defers sending until the surrounding transaction commits,
  so a worker never reads rows that do not exist yet (or never will, after a rollback).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from celery import Task
from django.db import transaction

from oars_platform.clickhouse import ClickHouseError
from oars_platform.conf import get_config
from oars_platform.privacy import mask_secrets, scrub_text, scrub_value

log = logging.getLogger(__name__)


class RetryableError(Exception):
    """A failure that says nothing about the data (a lookup source down): retry later."""


class OarsTask(Task):
    """Base task: late ack, backoff-with-jitter retries on transient errors, dead letter after the last one."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (ClickHouseError, RetryableError)
    retry_backoff = 2
    retry_jitter = True

    #: Set by subclasses: the DeadLetter kind and how to describe the payload for replay.
    dead_letter_kind = "tracking"

    @property
    def max_retries(self) -> int:  # type: ignore[override]
        """From OARS_TASK_MAX_RETRIES, read when a retry is decided (settings may change after import)."""
        return get_config().max_retries

    @property
    def retry_backoff_max(self) -> int:  # type: ignore[override]
        """From OARS_RETRY_BACKOFF_MAX."""
        return int(get_config().retry_backoff_max)

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """The last retry failed (or the error was not retryable): keep the payload as a dead letter."""
        from oars_platform.models import DeadLetter

        payload = scrub_value(self.dead_letter_payload(args, kwargs))
        DeadLetter.objects.create(
            kind=self.dead_letter_kind,
            task_name=self.name,
            reason=f"{type(exc).__name__}: {scrub_text(str(exc))[:1000]}",
            payload=payload,
            item_count=len(payload.get("events", [])) if isinstance(payload, dict) else 0,
            attempts=(self.request.retries or 0) + 1,
        )
        log.error("oars task %s failed for good (%s); stored as a dead letter", self.name, type(exc).__name__)

    def dead_letter_payload(self, args: Any, kwargs: Any) -> dict[str, Any]:
        """What to keep for a replay; subclasses narrow it to what is needed (PII keys are scrubbed after)."""
        return {"args": list(args or ()), "kwargs": dict(kwargs or {})}


def send_options(countdown: float | None = None) -> dict[str, Any]:
    """``apply_async`` options every task of the plugin is sent with: its queue, and a countdown when given."""
    options: dict[str, Any] = {}
    queue = get_config().celery_queue
    if queue:
        options["queue"] = queue
    if countdown:
        options["countdown"] = countdown
    return options


def enqueue_on_commit(task: Task, *args: Any, countdown: float | None = None, **kwargs: Any) -> None:
    """Send ``task`` with these arguments once the current transaction commits (at once outside a transaction).

    A broker that refuses the message must not fail the platform's request or its commit hook chain (the caller's
    transaction has already committed): the failure is logged, masked, with the command that recovers the work.
    """
    transaction.on_commit(partial(_send, task, args, kwargs, send_options(countdown)))


def _send(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any], options: dict[str, Any]) -> None:
    try:
        task.apply_async(args, kwargs, **options)
    except Exception as exc:  # the request path never raises for analytics
        log.error("oars: could not send task %s (%s: %s); the platform is unaffected, rerun the matching backfill "
                  "command (dump_courses_to_clickhouse, dump_data_to_clickhouse, retire_users_from_clickhouse)",
                  task.name, type(exc).__name__, mask_secrets(scrub_text(str(exc)))[:500])
