"""The README's "Deploy with Tutor" section lists every Tutor setting of the plugin with its default, every Aspects
setting it changes, and every do-job."""

from __future__ import annotations

import re
import sys

import pytest

from tests.tutor.site import ROOT

sys.path.insert(0, str(ROOT / "tutor-contrib-oars"))
from tutoroars import config
from tutoroars.commands import JOBS

sys.path.remove(str(ROOT / "tutor-contrib-oars"))

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Deploy with Tutor\n") : README.index("\n## ", README.index("## Deploy with Tutor\n"))]
ROWS = {
    match.group(1): [cell.strip() for cell in re.split(r"(?<!\\)\|", match.group(2))]
    for match in re.finditer(r"^\| `([A-Z][A-Z0-9_]+)` \|(.*)\|$", SECTION, re.M)
}


def test_deploy_with_tutor_comes_first_among_the_install_paths() -> None:
    assert README.index("## Deploy with Tutor") < README.index("## Install in edx-platform")
    for step in ("pip install ./oars-platform/tutor-contrib-oars", "tutor plugins enable oars", "tutor local launch"):
        assert step in SECTION
    assert "/oars/instance/" in SECTION and "/oars/courses/<course key>/" in SECTION


@pytest.mark.parametrize("setting", config.UNIQUE + config.DEFAULTS + config.ASPECTS_OVERRIDES, ids=lambda s: s.name)
def test_every_tutor_setting_is_in_the_table_with_its_default(setting: config.TutorSetting) -> None:
    assert setting.name in ROWS, f"{setting.name} has no row in the README's Deploy with Tutor tables"
    assert ROWS[setting.name][0] == setting.readme_default


def test_the_tables_hold_no_setting_the_plugin_lacks() -> None:
    declared = {setting.name for setting in config.UNIQUE + config.DEFAULTS + config.ASPECTS_OVERRIDES}
    assert set(ROWS) == declared


@pytest.mark.parametrize("job", JOBS, ids=lambda job: job.name)
def test_every_do_job_is_documented(job) -> None:
    assert re.search(rf"^  \| `{job.name}[ `].*\| `\./manage\.py {job.service} {job.command}`", SECTION, re.M)
