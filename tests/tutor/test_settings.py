"""The LMS and Studio settings Tutor renders, executed as the platform executes them, pass ``check --tag oars``.

Tutor's ``lms/envs/tutor/production.py`` is ``from lms.envs.production import *`` (the platform's production
settings, which load the plugins' common and production settings through ``add_plugins``) followed by Tutor's own
lines and the plugins' patches. The rest of Tutor's file needs the real edx-platform; the plugin's block (between its
markers) is executed here on top of the stand-in host's production settings, in a fresh process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tutor.conftest import QUEUE, SCENARIOS
from tests.tutor.site import ROOT, TutorSite

BLOCK = re.compile(r"^# tutor-contrib-oars: begin\n.*?^# tutor-contrib-oars: end\n", re.S | re.M)
# platform-plugin-aspects' sink models (its `model` names), each switched by EVENT_SINK_CLICKHOUSE_<MODEL>_ENABLED.
SINKS = ("COURSE_OVERVIEWS", "COURSE_ENROLLMENT", "TAG", "TAXONOMY", "OBJECT_TAG", "USER_PROFILE", "EXTERNAL_ID")
SINKS += ("AUTH_USER",)


def oars_block(site: TutorSite, service: str, flavour: str) -> str:
    """The plugin's block in a rendered settings file: exactly once."""
    blocks = BLOCK.findall(site.rendered(f"apps/openedx/settings/{service}/{flavour}.py"))
    assert len(blocks) == 1, f"{service}/{flavour}.py has {len(blocks)} tutor-contrib-oars blocks"
    return blocks[0]


def probe(tmp_path: Path, service: str, body: str) -> subprocess.CompletedProcess[str]:
    """``check --tag oars`` and the resulting settings, for ``from <service>.envs.production import *`` + body."""
    module = f"tutor_{service}_settings"
    (tmp_path / f"{module}.py").write_text(f"from {service}.envs.production import *  # noqa: F403\n\n{body}")
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": module,
        "OARS_TEST_SQLITE_PATH": str(tmp_path / "standin.sqlite3"),
    }
    return subprocess.run(
        [sys.executable, str(Path(__file__).with_name("settings_probe.py")), service],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("service", ["lms", "cms"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_rendered_settings_pass_the_check(tutor_site, name: str, service: str, tmp_path: Path) -> None:
    scenario, site = SCENARIOS[name], tutor_site(name)
    block = oars_block(site, service, "production")
    assert oars_block(site, service, "development") == block  # `tutor dev` gets the same settings

    result = probe(tmp_path, service, block)
    assert result.returncode == 0, f"check --tag oars failed:\n{result.stdout}\n{result.stderr}"
    values = json.loads(result.stdout.splitlines()[-1])

    assert values["OARS_CLICKHOUSE_URL"] == scenario.clickhouse_url(site.saved_config())
    assert values["databases"] == scenario.databases()
    assert values["OARS_REDIS_URL"] == "redis://redis:6379/0"  # Tutor's Redis, the Celery broker's database
    assert values["OARS_CELERY_QUEUE"] == scenario.queue
    if scenario.queue:
        assert QUEUE in values["CELERY_QUEUES"]
        assert values["OARS_BATCH_SIZE"] == 2000  # from OARS_EXTRA_SETTINGS
    if scenario.aspects:
        assert values["XAPI_EVENTS_ENABLED"] is False and values["XAPI_EVENT_LOGGING_ENABLED"] is False
        assert values["EVENT_SINK"] == {f"EVENT_SINK_CLICKHOUSE_{sink}_ENABLED": False for sink in SINKS}
    else:
        assert values["EVENT_SINK"] == {} and values["XAPI_EVENTS_ENABLED"] == "<unset>"


def test_aspects_sinks_are_switched_off_after_aspects_switches_them_on(tutor_site) -> None:
    """In the rendered file our lines come after Aspects' own (its common patch is above the LMS/CMS patches)."""
    site = tutor_site("Aspects enabled")
    site.tutor("config", "save", "--set", "EVENT_SINK_MODELS_ENABLED=[course_overviews]")
    try:
        text = site.rendered("apps/openedx/settings/lms/production.py")
        assert text.index("EVENT_SINK_CLICKHOUSE_COURSE_OVERVIEWS_ENABLED = True") < text.index(
            "EVENT_SINK_CLICKHOUSE_COURSE_OVERVIEWS_ENABLED = False"
        )
    finally:
        site.tutor("config", "save", "--unset", "EVENT_SINK_MODELS_ENABLED")


def test_without_the_block_the_check_fails(tmp_path: Path) -> None:
    """The check is not vacuous: the stand-in's production settings alone have no ClickHouse."""
    result = probe(tmp_path, "lms", "")
    assert result.returncode != 0
    assert "oars.E001" in result.stderr


def test_a_bad_extra_setting_name_is_refused(tutor_site) -> None:
    site = tutor_site("own ClickHouse")
    result = site.tutor("config", "save", "--set", "OARS_EXTRA_SETTINGS={'import os; X': 1}", check=False)
    site.tutor("config", "save", "--unset", "OARS_EXTRA_SETTINGS")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Error: OARS_EXTRA_SETTINGS: 'import os; X' is not an OARS_* setting name" in output
    assert "Traceback" not in output
