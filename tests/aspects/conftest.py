"""The compatibility suite runs in a pytest process of its own (see ``test_compat.py``).

aspects-dbt and Superset name the databases ``xapi``, ``event_sink`` and ``reporting``, which in the main test session
are the default databases our migrations set up for every other test. Each compatibility run is therefore a
separate pytest process with a fresh embedded engine, and in it the session-wide default schema is not made: the
run itself decides whether Aspects' migrations or ours come first.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _default_schema() -> None:
    """Replaces the root conftest's: nothing is migrated before the test says what runs first."""
