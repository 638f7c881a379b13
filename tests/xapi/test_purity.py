"""The transformer package is pure: no Django, no database, configuration only through arguments."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from oars_platform.xapi import ActorMode, TransformConfig

PACKAGE = Path(__file__).resolve().parents[2] / "oars_platform" / "xapi"


def test_importing_and_transforming_loads_no_django() -> None:
    code = (
        "import sys, json\n"
        "from oars_platform.xapi import TransformConfig, CachedLookups, transform_batch\n"
        "from oars_platform.xapi.validation import validate_statement\n"
        "event = json.load(open(sys.argv[1]))\n"
        "lookups = CachedLookups(lambda refs, mode: {r: 'x' for r in refs}, lambda ids: {i: 'C' for i in ids})\n"
        "result = transform_batch([event], TransformConfig(lms_root_url='http://localhost:18000'), lookups)\n"
        "assert len(result.statements) == 1 and not validate_statement(result.statements[0].statement)\n"
        "loaded = [m for m in sys.modules if m == 'django' or m.startswith(('django.', 'MySQLdb', 'psycopg'))]\n"
        "assert not loaded, loaded\n"
    )
    fixture = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "erb" / "events" / "play_video.json"
    completed = subprocess.run([sys.executable, "-c", code, str(fixture)], capture_output=True, text=True,
                               cwd=PACKAGE.parents[1], check=False)
    assert completed.returncode == 0, completed.stderr


def test_no_module_imports_django_even_lazily() -> None:
    pattern = re.compile(r"^\s*(?:import|from)\s+django\b|import_module\(\s*[\"']django", re.MULTILINE)
    for path in PACKAGE.glob("*.py"):
        assert pattern.search(path.read_text()) is None, path.name


@pytest.mark.parametrize("root", ["localhost:18000", "http://localhost:18000/", "not a url"])
def test_config_rejects_bad_lms_root_at_startup(root: str) -> None:
    with pytest.raises(ValueError, match="lms_root_url"):
        TransformConfig(lms_root_url=root)


def test_config_normalises_its_values() -> None:
    config = TransformConfig(lms_root_url="https://lms.example.org", actor_mode="mbox", enabled_events={"a"})
    assert config.actor_mode is ActorMode.MBOX
    assert config.enabled_events == frozenset({"a"})
    assert config.transformer_version.startswith("oars-platform@")
    assert config.page_views_enabled is False
