"""Every management command of the plugin has a useful --help: a description and help for each option."""

from __future__ import annotations

import pytest
from django.core.management import get_commands, load_command_class

OURS = sorted(name for name, app in get_commands().items() if app == "oars_platform")


def test_the_plugin_ships_commands() -> None:
    assert "migrate_clickhouse" in OURS


@pytest.mark.parametrize("name", OURS)
def test_help_describes_the_command_and_every_option(name: str) -> None:
    command = load_command_class("oars_platform", name)
    parser = command.create_parser("manage.py", name)
    assert len(command.help) > 40, "the description should say what the command does"
    own_options = [
        action
        for action in parser._actions
        if action.dest
        not in {
            "help",
            "version",
            "verbosity",
            "settings",
            "pythonpath",
            "traceback",
            "no_color",
            "force_color",
            "skip_checks",
        }
    ]
    for action in own_options:
        assert action.help and len(action.help) > 10, f"{name} {action.option_strings or action.dest} has no help"
    assert command.help.split()[0] in parser.format_help()
