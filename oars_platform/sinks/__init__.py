"""Sinks: where platform rows go in ClickHouse, declared once and shared by the live receivers and the backfills.

:mod:`~oars_platform.sinks.schema` declares target tables column by column (name, type, the platform field read, the
conversion), :mod:`~oars_platform.sinks.base` says what a sink is, :mod:`~oars_platform.sinks.learners` declares the
learner sinks and :mod:`~oars_platform.sinks.tags` the content-tagging ones, :mod:`~oars_platform.sinks.writer`
writes a page through one, :mod:`~oars_platform.sinks.live` and :mod:`~oars_platform.sinks.backfill` are the two
ways pages are read, :mod:`~oars_platform.sinks.courses` declares the course-dump tables and writes dumps, and
:func:`~oars_platform.sinks.backfill.run_backfill` runs both backfills (pages of a sink, and
:mod:`~oars_platform.sinks.course_backfill`).
"""

from oars_platform.sinks.base import Freshness, Sink, Stamp
from oars_platform.sinks.learners import SINKS
from oars_platform.sinks.tags import TAG_SINKS  # noqa: F401 - registers the content-tagging sinks

__all__ = ["SINKS", "Freshness", "Sink", "Stamp"]
