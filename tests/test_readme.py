"""The README stays true: every setting and every management command of the plugin is documented there."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import get_commands

from oars_platform.settings.common import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


@pytest.mark.parametrize("name", [setting.name for setting in SETTINGS])
def test_every_setting_is_documented(name: str) -> None:
    assert f"`{name}`" in README


@pytest.mark.parametrize("command", sorted(name for name, app in get_commands().items() if app == "oars_platform"))
def test_every_command_is_documented(command: str) -> None:
    assert command in README


def test_the_two_setup_commands_are_there() -> None:
    assert "bash scripts/demo.sh" in README
    assert "bash scripts/test.sh" in README
