"""``./manage.py lms replay_tracking_logs PATH...``: load a site's history from its tracking logs.

Named ``replay_`` and not ``transform_``: event-routing-backends installs a ``transform_tracking_logs`` with other
options, and on a site with both, app order would decide which one runs.

Argument parsing, the progress bar and the closing summary live here; the work is ``oars_platform.replay``.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from typing import Any

from django.core.management.base import CommandError

from oars_platform.clickhouse import ClickHouseError
from oars_platform.conf import get_config
from oars_platform.management.base import OarsCommand, one_line, positive_int
from oars_platform.privacy import mask_secrets
from oars_platform.replay import ReplayError, ReplayOptions, ReplayRefused, ReplaySummary, replay
from oars_platform.sources.tracking_logs import Skip, expand_paths

#: Reasons shown with an example in the summary, most frequent first.
TOP_REASONS = 5
#: Skips that are what a tracking log is mostly made of: no advice needed.
EXPECTED = (Skip.NOT_TRANSFORMED, Skip.BLANK)
QUARANTINED = "quarantined with the event in oars.quarantine (see its detail column); fix the source and replay"
ADVICE = {
    Skip.NOT_JSON: "lines with no JSON event (garbage, a cut-off write, another program's log); check the file "
    "is a tracking log",
    Skip.NOT_UTF8: "lines that are not UTF-8; re-encode the file (iconv -f LATIN1 -t UTF-8 FILE > FILE.utf8) and "
    "replay it",
    Skip.NO_NAME: "events without a name (very old logs with event_type only), which cannot be transformed",
    Skip.UNREADABLE_FILE: "see Unreadable files above; a damaged gzip keeps the lines before the damage",
    "unknown_course": "the course is not in this LMS (deleted, or another site's log); create or import it, "
    "then replay again",
    "unknown_user": "the user is not in this LMS (deleted, another site's log) or the event is anonymous; "
    "replay again once the user exists",
    "lookup_failed": "the database could not be read; rerun once it is reachable",
    "bad_timestamp": "the event's time is missing, malformed, before 1970 or more than a day ahead; " + QUARANTINED,
}


class Command(OarsCommand):
    """Replay tracking log files through the live pipeline's transform and writer."""

    help = (
        "Transform Open edX tracking log files (tracking.log lines, plain or gzip, with or without a syslog/logging "
        "prefix) into xAPI statements and store them in ClickHouse through the same transform and writer as the "
        "live pipeline. Statement ids equal event-routing-backends', so replaying a log twice, or a log ERB "
        "already loaded, stores nothing twice. Events we do not transform are counted as skipped, not quarantined; "
        "events the transform refuses are quarantined with their reason."
    )

    def add_arguments(self, parser: Any) -> None:
        """PATH..., --processes, --batch-size, --dry-run, --limit, --no-progress."""
        parser.add_argument(
            "paths",
            nargs="+",
            metavar="PATH",
            help="Tracking log files, directories (read recursively) or glob patterns (quote them; ** allowed). "
            "gzip files are recognised by their content, whatever their name.",
        )
        parser.add_argument(
            "--processes",
            type=positive_int,
            default=1,
            help="Worker processes (default 1: all in this process). Needs a ClickHouse server URL: each worker "
            "reads users and courses and writes its batches over its own connection. Refused with the "
            "embedded engine (chdb://): it is one database inside one process, which no other process may "
            "open, and handing rows back to this one measured no faster than one process.",
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=5000,
            help="Lines per batch (default 5000): the events we transform among them are transformed and "
            "inserted together, so a batch holds at most this many events.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Parse, transform and validate every statement against the xAPI schema, but write nothing to "
            "ClickHouse; the summary shows the same counts a real run would, plus invalid statements.",
        )
        parser.add_argument(
            "--limit",
            type=positive_int,
            default=None,
            help="Stop after this many lines in total (over all files, in order); for a trial run.",
        )
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help="Do not draw the progress bar on stderr (it is also off when stderr is not a terminal).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Expand the paths, replay, print the summary; exit 1 on a damaged file or failed lookups, 130 on Ctrl-C."""
        try:
            paths = [str(path) for path in expand_paths(options["paths"])]
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from exc
        replay_options = ReplayOptions(
            batch_size=options["batch_size"],
            processes=options["processes"],
            dry_run=options["dry_run"],
            limit=options["limit"],
        )
        bar = self._progress_bar(paths, options)
        try:
            summary = replay(paths, get_config(), replay_options, self._updater(bar) if bar else None)
        except ReplayRefused as exc:
            raise CommandError(str(exc)) from exc
        except (ReplayError, ClickHouseError) as exc:
            raise CommandError(
                f"Replay stopped: {one_line(mask_secrets(str(exc)))}. Rerun the same command: "
                "statements already written are not stored twice."
            ) from exc
        except KeyboardInterrupt:  # a second Ctrl-C, or one before the replay started
            raise CommandError(
                "interrupted; rerun to resume (statements already written are not stored twice)", returncode=130
            ) from None
        finally:
            if bar is not None:
                bar.close()
        self._print_summary(summary, replay_options)
        if summary.interrupted:
            raise CommandError(
                f"interrupted after {summary.lines} lines; rerun to resume (statements already "
                "written are not stored twice)",
                returncode=130,
            )
        if summary.file_errors:
            raise CommandError(
                f"{len(summary.file_errors)} file(s) could not be read completely (listed above); "
                "the lines read before the damage were replayed. Fix or remove them and rerun: "
                "nothing is stored twice."
            )
        if summary.rejected.get("lookup_failed"):
            raise CommandError(
                f"{summary.rejected['lookup_failed']} events could not be resolved (users or courses "
                "lookup failed); rerun the command once the database is reachable."
            )

    def _progress_bar(self, paths: list[str], options: dict[str, Any]) -> Any:
        if options["no_progress"] or not sys.stderr.isatty():
            return None
        from tqdm import tqdm

        total = sum(os.path.getsize(path) for path in paths)
        return tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=sys.stderr,
            desc="tracking logs",
            dynamic_ncols=True,
        )

    @staticmethod
    def _updater(bar: Any) -> Any:
        def update(read: int, summary: ReplaySummary) -> None:
            bar.set_postfix(events=summary.events, lines=summary.lines, refresh=False)
            bar.update(read)

        return update

    def _print_summary(self, summary: ReplaySummary, options: ReplayOptions) -> None:
        out = self.stdout.write
        out(f"Files: {summary.files}")
        out(f"Lines read: {summary.lines}")
        out(f"Events transformed: {summary.transformed} of {summary.events} handed to the transform")
        if options.dry_run:
            out(f"Statements: {summary.statements} produced, none written (dry run)")
        else:
            out(f"Statements: {summary.statements} produced, {summary.written} written")
            for view, count in sorted(summary.view_refused.items()):
                out(f"  stored, but refused by view {view}: {count}")
        out(f"Skipped lines: {sum(summary.skipped.values())}")
        for reason, count in sorted(summary.skipped.items()):
            out(f"  {reason}: {count}")
        out(f"Rejected events: {sum(summary.rejected.values())}")
        for reason, count in sorted(summary.rejected.items()):
            out(f"  {reason}: {count}")
        if options.dry_run:
            out(f"Invalid statements: {summary.invalid}")
            for error, count in summary.invalid_errors.most_common(10):
                out(f"  {error}: {count}")
        if summary.encodings:
            out("Files not in plain UTF-8 (decoded):")
            for path, encoding in sorted(summary.encodings.items()):
                out(f"  {path}: {encoding}")
        if summary.file_errors:
            out(f"Unreadable files: {len(summary.file_errors)}")
            for error in summary.file_errors:
                out(f"  {error}")
        self._print_reasons(summary)

    def _print_reasons(self, summary: ReplaySummary) -> None:
        """The most frequent reasons lines were skipped or events rejected, each with an example and what to do."""
        reasons = Counter({**summary.skipped, **summary.rejected})
        for reason in EXPECTED:
            reasons.pop(reason, None)
        if not reasons:
            return
        self.stdout.write("Why, and what to do:")
        for reason, count in reasons.most_common(TOP_REASONS):
            example = summary.examples.get(reason, "")
            self.stdout.write(
                f"  {reason} ({count}){f', e.g. {example}' if example else ''}: {ADVICE.get(reason, QUARANTINED)}"
            )
