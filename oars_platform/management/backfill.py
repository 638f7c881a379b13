"""What the backfill commands show, the same for learner data and course dumps.

``dump_data_to_clickhouse`` and ``dump_courses_to_clickhouse`` run their job through
:func:`oars_platform.sinks.backfill.run_backfill` and present it here: a start line on stdout
(``NAME: where it starts, how much``), a tqdm bar on stderr (rate and ETA, ``--no-progress`` turns it off), one
``failed KEY: reason`` line on stderr per failed unit (the first 20), the summary line on stdout
(``NAME: counts in S s (R unit/s); completed.``), then ``NAME: done.``, or one error line and exit 1 when anything
failed: the other units were written all the same.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from oars_platform.privacy import scrub_text
from oars_platform.sinks.backfill import Backfill, BackfillError, BackfillSummary, run_backfill

#: Failed units listed one per line; the rest are counted only.
LISTED_FAILURES = 20


class _BarStream:
    """tqdm's file: the command's stderr as it is (no line ending or error colour added: the bar redraws with \\r)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        """Pass ``text`` through unchanged."""
        self.stream.write(text, style_func=lambda same: same, ending="")

    def flush(self) -> None:
        """Flush the underlying stream."""
        self.stream.flush()


class Progress:
    """The start line on stdout and a tqdm bar on stderr, created once the total is known."""

    def __init__(self, stdout: Any, stderr: Any, *, disable: bool) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.disable = disable
        self.bar: Any = None

    def start(self, summary: BackfillSummary) -> None:
        """Say where the run starts and how much it will do; open the bar."""
        from tqdm import tqdm

        self.stdout.write(f"{summary.name}: {summary.plan}")
        self.bar = tqdm(
            total=summary.total,
            unit=summary.unit,
            unit_scale=summary.total >= 1000,  # 200k rather than 200000, but 4/4 courses rather than 4.00/4.00
            desc=summary.name,
            file=_BarStream(self.stderr),
            dynamic_ncols=True,
            disable=self.disable,
        )

    def advance(self, count: int) -> None:
        """``count`` more units done."""
        if self.bar is not None:
            self.bar.update(count)

    def close(self) -> None:
        """Finish the bar's line."""
        if self.bar is not None:
            self.bar.close()


def run_and_report(command: Any, job: Backfill, *, no_progress: bool) -> BackfillSummary:
    """Run ``job`` with the bar, print the summary; CommandError (exit 1) when it stopped or anything failed."""
    progress = Progress(command.stdout, command.stderr, disable=no_progress)
    try:
        summary = run_backfill(job, on_start=progress.start, on_advance=progress.advance)
    except BackfillError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        progress.close()
    state = "completed" if summary.completed else f"stopped after {summary.stopped_at}"
    rate = f"{summary.rate:,.0f} {summary.unit}s/s"
    line = f"{summary.name}: {summary.counts} in {summary.seconds:.1f}s ({rate}); {state}."
    for key, reason in summary.failed[:LISTED_FAILURES]:
        command.stderr.write(f"failed {key}: {scrub_text(reason)}")
    if summary.failed:
        command.stdout.write(command.style.ERROR(line))
        keys = ", ".join(key for key, _ in summary.failed[:LISTED_FAILURES])
        more = f" and {len(summary.failed) - LISTED_FAILURES} more" if len(summary.failed) > LISTED_FAILURES else ""
        raise CommandError(f"{summary.name}: {len(summary.failed)} {summary.unit}(s) failed: {keys}{more}")
    command.stdout.write(command.style.SUCCESS(line))
    command.stdout.write(command.style.SUCCESS(f"{summary.name}: done."))
    return summary
