"""Aspects' own analytics on data this plugin wrote: aspects-dbt's models and tutor-contrib-aspects' datasets.

Each case is a pytest run of ``compat_run.py`` in a process of its own, with a fresh embedded engine whose databases
carry Aspects' names. Its inputs (dbt's compiled manifest, the tutor-contrib-aspects package) come from
``scripts/lib.sh ensure_aspects_compat``, which ``scripts/test.sh`` runs and this module runs again (a stamp makes a
second run instant).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests import logcheck
from tests.aspects import assets
from tests.aspects.assets import ROOT


@pytest.fixture(scope="module", autouse=True)
def _inputs() -> None:
    assets.ensure_built()


def _run(test: str, **environment: str) -> None:
    env = {**os.environ, **environment}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", f"tests/aspects/compat_run.py::{test}", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False,
    )
    logcheck.record_output(done.stdout + done.stderr, f"compat_run {test} {environment}")
    assert done.returncode == 0, f"{test} {environment} failed:\n{done.stdout[-20000:]}\n{done.stderr[-5000:]}"


@pytest.mark.parametrize(("order", "pii"), [("ours", "on"), ("ours", "off"), ("aspects-first", "on")])
def test_aspects_models_and_datasets_run_on_our_tables(order: str, pii: str) -> None:
    _run("test_aspects_models_and_datasets_run_on_our_tables", ASPECTS_COMPAT_ORDER=order, ASPECTS_COMPAT_PII=pii)


def test_reference_replay_with_aspects_views_stores_each_statement_once() -> None:
    _run("test_reference_replay_with_aspects_views_stores_each_statement_once", ASPECTS_COMPAT_ORDER="aspects-first")


def test_the_model_build_check_catches_a_missing_function() -> None:
    _run("test_models_fail_without_the_functions_aspects_migrations_create", ASPECTS_COMPAT_ORDER="ours")
