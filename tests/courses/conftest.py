"""Fixtures for course-structure tests: the stand-in modulestore, the CMS branch default, and ClickHouse readers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from tests.courses.current import current_blocks


@pytest.fixture(autouse=True)
def _studio_branch_and_clean_cache(settings) -> Iterator[None]:
    """Studio's draft-preferred default (the dump must read published content anyway) and empty debounce counters."""
    settings.MODULESTORE_BRANCH = "draft-preferred"
    settings.OARS_COURSE_DUMP_DELAY = 0
    cache.clear()
    yield
    cache.clear()



class Reader:
    """What reports see, and the history behind it, for one test's databases."""

    def __init__(self, clickhouse) -> None:
        self.clickhouse = clickhouse
        self.db = clickhouse.databases

    def current(self, course_key: str) -> list[dict]:
        return current_blocks(course_key, self.clickhouse.client)

    def current_locations(self, course_key: str) -> list[str]:
        return [row["location"] for row in self.current(course_key)]

    def course(self, course_key: str) -> dict | None:
        rows = self.clickhouse.client.query(
            f"SELECT * FROM `{self.db.oars}`.courses_current WHERE course_key = {{k:String}}", {"k": course_key}
        ).dicts()
        return rows[0] if rows else None

    def generations(self, course_key: str) -> list:
        """The dump ids whose block rows ``oars.course_block_dumps`` still holds for the course."""
        rows = self.clickhouse.client.query(
            f"SELECT DISTINCT dump_id FROM `{self.db.oars}`.course_block_dumps WHERE course_key = {{k:String}}",
            {"k": course_key},
        ).rows
        return [row[0] for row in rows]

    def dumps(self, course_key: str) -> int:
        """Dumps of the course so far (Aspects' overview history keeps one row per dump; the ledger merges, and
        superseded generations of the per-dump block table are pruned)."""
        return int(
            self.clickhouse.client.query(
                f"SELECT uniqExact(dump_id) FROM `{self.db.event_sink}`.course_overviews "
                "WHERE course_key = {k:String}",
                {"k": course_key},
            ).scalar()
        )

    def history_locations(self, course_key: str) -> set[str]:
        rows = self.clickhouse.client.query(
            f"SELECT DISTINCT location FROM `{self.db.event_sink}`.course_blocks WHERE course_key = {{k:String}}",
            {"k": course_key},
        ).rows
        return {row[0] for row in rows}

    def sink_blocks(self, course_key: str) -> list[dict]:
        return self.clickhouse.client.query(
            f"SELECT * FROM `{self.db.event_sink}`.course_blocks WHERE course_key = {{k:String}} ORDER BY order",
            {"k": course_key},
        ).dicts()

    def overviews(self, course_key: str) -> list[dict]:
        return self.clickhouse.client.query(
            f"SELECT * FROM `{self.db.event_sink}`.course_overviews WHERE course_key = {{k:String}} "
            "ORDER BY time_last_dumped",
            {"k": course_key},
        ).dicts()


@pytest.fixture
def reader(clickhouse) -> Reader:
    return Reader(clickhouse)
