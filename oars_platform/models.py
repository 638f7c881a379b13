"""Django models of the plugin: the dead-letter store of the pipeline.

Dead letters live in the platform's MySQL, not in ClickHouse, because they exist precisely when ClickHouse could
not take the data. They are written by the delivery policy (:mod:`oars_platform.delivery`) and replayed by the
function registered for their kind (:mod:`oars_platform.dead_letters`). Payloads keep what that replay needs, nothing
more: the raw events of a tracking letter, scrubbed of personal data (:mod:`oars_platform.privacy`) in a way that still
gives the same statements; the course key, user id or row ids of the others. Reasons are scrubbed free text.
"""

from __future__ import annotations

from django.db import models


class DeadLetter(models.Model):
    """Work that failed every retry; ``replay_failed_events`` redoes it (and sets ``replayed_at``)."""

    KIND_TRACKING = "tracking"
    KIND_COURSE_DUMP = "course_dump"
    KIND_LEARNER = "learner"
    KIND_RETIREMENT = "retirement"
    KIND_CHOICES = [
        (KIND_TRACKING, "tracking events"),
        (KIND_COURSE_DUMP, "course dump"),
        (KIND_LEARNER, "learner data"),
        (KIND_RETIREMENT, "user retirement"),
    ]

    created = models.DateTimeField(auto_now_add=True, db_index=True)
    kind = models.CharField(max_length=32, choices=KIND_CHOICES, default=KIND_TRACKING)
    task_name = models.CharField(max_length=255)
    reason = models.TextField(help_text="Why the last attempt failed (error type and message, no personal data).")
    payload = models.JSONField(help_text="What to replay: for tracking events, the raw event texts.")
    item_count = models.PositiveIntegerField(default=0)
    attempts = models.PositiveIntegerField(default=0)
    replayed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        app_label = "oars_platform"
        ordering = ["created"]

    def __str__(self) -> str:
        """Short description for the admin and logs."""
        return f"DeadLetter({self.kind}, {self.item_count} items, {self.created:%Y-%m-%d %H:%M})"


class BackfillCheckpoint(models.Model):
    """How far ``dump_data_to_clickhouse`` got for one object, so an interrupted run resumes where it stopped.

    Kept in the platform's database beside the rows it points into: it is updated after each page ClickHouse took,
    so the next run without ``--from-pk`` starts after ``last_pk``. A run that reached the end marks it completed,
    and the next one starts from the beginning again (and skips what ClickHouse already has).
    """

    object_name = models.CharField(max_length=64, unique=True)
    last_pk = models.BigIntegerField(default=0, help_text="Highest primary key written by the last run.")
    completed = models.BooleanField(default=False, help_text="The last run reached the end of the table.")
    rows_written = models.BigIntegerField(default=0, help_text="Rows written by the last run.")
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "oars_platform"

    def __str__(self) -> str:
        """Short description for the admin and logs."""
        state = "completed" if self.completed else "in progress"
        return f"BackfillCheckpoint({self.object_name} at pk {self.last_pk}, {state})"
