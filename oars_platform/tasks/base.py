"""The base of every task of the plugin: Celery's delivery options, fed from the one delivery policy.

* **Late acknowledgement**: a message is acknowledged after its task ran, and rejected back to the broker if the
  worker dies, so a killed worker loses nothing (the broker redelivers).
* **Retries** for failures that may pass (ClickHouse unreachable or refusing a batch, a lookup source down) use
  Celery's own retry mechanism (``autoretry_for``), with the number of retries and the wait before each taken from
  :class:`~oars_platform.delivery.DeliveryPolicy` when the retry is decided, the same numbers the drain of the
  tracking buffer uses.
* **Dead letters**: after the last retry :meth:`OarsTask.on_failure` hands the payload of
  :meth:`OarsTask.dead_letter_payload` to :meth:`DeliveryPolicy.dead_letter`; ``./manage.py lms
  replay_failed_events`` redoes the work later with the replay function of the task's ``dead_letter_kind``.
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
from oars_platform.delivery import delivery_policy
from oars_platform.privacy import mask_secrets, scrub_text

log = logging.getLogger(__name__)


class RetryableError(Exception):
    """A failure that says nothing about the data (a lookup source down): retry later."""


class OarsTask(Task):
    """Base task: late ack, the delivery policy's retries on transient errors, its dead letter after the last one."""

    acks_late = True
    reject_on_worker_lost = True
    autoretry_for = (ClickHouseError, RetryableError)
    #: Celery's own backoff formula stays off: :meth:`retry` takes the wait from the delivery policy.
    retry_backoff = False

    #: Set by subclasses: the ``DeadLetter.KIND_*`` whose replay function redoes the work of a failed task.
    dead_letter_kind: str = ""

    @property
    def max_retries(self) -> int:  # type: ignore[override]
        """From the delivery policy, read when a retry is decided (settings may change after import)."""
        return delivery_policy().max_retries

    def retry(
        self,
        args: Any = None,
        kwargs: Any = None,
        exc: BaseException | None = None,
        throw: bool = True,
        eta: Any = None,
        countdown: float | None = None,
        max_retries: int | None = None,
        **options: Any,
    ) -> Any:
        """Celery's retry, waiting the delivery policy's backoff unless the caller chose a time."""
        if countdown is None and eta is None:
            countdown = delivery_policy().backoff((self.request.retries or 0) + 1)
        return super().retry(
            args=args,
            kwargs=kwargs,
            exc=exc,
            throw=throw,
            eta=eta,
            countdown=countdown,
            max_retries=max_retries,
            **options,
        )

    def on_failure(self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any) -> None:
        """The last retry failed (or the error was not retryable): keep the payload as a dead letter."""
        payload = self.dead_letter_payload(args, kwargs)
        delivery_policy().dead_letter(
            self.dead_letter_kind,
            self.name,
            f"{type(exc).__name__}: {exc}",
            payload,
            attempts=(self.request.retries or 0) + 1,
            item_count=self.dead_letter_items(payload),
        )

    def dead_letter_payload(self, args: Any, kwargs: Any) -> dict[str, Any]:
        """What the replay function of ``dead_letter_kind`` needs; each task kind says (PII keys are scrubbed after)."""
        raise NotImplementedError(f"{type(self).__name__} must say what its dead letters keep")

    def dead_letter_items(self, payload: dict[str, Any]) -> int:
        """How many items (events, users, rows) the dead letter holds, for operators."""
        return 1


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
        log.error(
            "oars: could not send task %s (%s: %s); the platform is unaffected, rerun the matching backfill "
            "command (dump_courses_to_clickhouse, dump_data_to_clickhouse, retire_users_from_clickhouse)",
            task.name,
            type(exc).__name__,
            mask_secrets(scrub_text(str(exc)))[:500],
        )
