"""Fixtures for report tests: the stand-in modulestore, and a world of courses, learners and ingested statements."""

from __future__ import annotations

import pytest

from tests.reports.world import World, build_world, ingest_messily


@pytest.fixture
def world(clickhouse, db, store, settings) -> World:
    """Two dumped courses and their learners' statements, ingested out of order with duplicates and a replay."""
    settings.OARS_COURSE_DUMP_DELAY = 0
    built = build_world()
    ingest_messily(built.events)
    return built
