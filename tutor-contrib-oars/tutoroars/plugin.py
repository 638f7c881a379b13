"""The Tutor v1 plugin: config defaults, patches, templates, the init task, do-jobs and the Celery worker.

Enabling it (``tutor plugins enable oars``) installs oars-platform in the openedx image, gives the LMS and Studio
every ``OARS_*`` setting from Tutor's config, runs a ClickHouse service unless Aspects' or an external one is used,
migrates the ClickHouse schema on ``tutor local launch`` / ``do init``, and adds ``tutor local do oars-…`` jobs.
What each setting means is in :mod:`tutoroars.config` (the README's table lists them all).
"""

from __future__ import annotations

import hashlib
import re
import shlex
import typing as t
import urllib.parse
from importlib import resources

import click
from tutor import exceptions, hooks

from tutoroars import config
from tutoroars.commands import DO_COMMANDS

PACKAGE = resources.files("tutoroars")

########################################
# Configuration
########################################

hooks.Filters.CONFIG_DEFAULTS.add_items([(setting.name, setting.default) for setting in config.DEFAULTS])
hooks.Filters.CONFIG_UNIQUE.add_items([(setting.name, setting.default) for setting in config.UNIQUE])


@hooks.Filters.CONFIG_OVERRIDES.add()
def _switch_off_aspects_ingestion(items: list[tuple[str, t.Any]]) -> list[tuple[str, t.Any]]:
    """With Aspects loaded, its own ingestion is off by default: every event is stored once, by this plugin."""
    if "aspects" in hooks.Filters.PLUGINS_LOADED.iterate():
        items.extend((setting.name, setting.default) for setting in config.ASPECTS_OVERRIDES)
    return items


########################################
# Template filters and variables
########################################

_SETTING_NAME = re.compile(r"^OARS_[A-Z0-9_]+$")


def python_literal(value: t.Any) -> str:
    """A value as Python source for the settings files (strings quoted and escaped, never pasted raw)."""
    return repr(value)


def as_bool(value: t.Any) -> bool:
    """Tutor renders templated defaults as strings: "false" must not be true."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def setting_name(name: t.Any) -> str:
    """Only ``OARS_*`` names go from ``OARS_EXTRA_SETTINGS`` into the settings files."""
    if not isinstance(name, str) or not _SETTING_NAME.match(name):
        raise exceptions.TutorError(f"OARS_EXTRA_SETTINGS: {name!r} is not an OARS_* setting name")
    return name


def sha256_hex(value: t.Any) -> str:
    """ClickHouse's ``password_sha256_hex``: the service's users file never holds the password itself."""
    return hashlib.sha256(str(value).encode()).hexdigest()


def url_quote(value: t.Any) -> str:
    """A user name or password inside a URL (``/``, ``@`` and ``:`` escaped too)."""
    return urllib.parse.quote(str(value), safe="")


def iter_oars_celery_parameters(queue: str) -> t.Iterator[str]:
    """The ``oars-worker`` command: Tutor's LMS worker command, consuming the plugin's queue instead."""
    for value in hooks.Filters.LMS_WORKER_COMMAND.iterate():
        if value.startswith("--queues="):
            yield f"--queues={queue}"
        elif value.startswith("--hostname="):
            yield f"--hostname={queue}.%h"
        else:
            yield value


hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(
    [
        ("oars_py", python_literal),
        ("oars_bool", as_bool),
        ("oars_setting_name", setting_name),
        ("oars_sha256", sha256_hex),
        ("oars_quote", url_quote),
        ("oars_shell", shlex.quote),
    ]
)
hooks.Filters.ENV_TEMPLATE_VARIABLES.add_items(
    [
        ("OARS_ASPECTS_SINK_MODELS", list(config.ASPECTS_SINK_MODELS)),
        ("iter_oars_celery_parameters", iter_oars_celery_parameters),
    ]
)

########################################
# Templates and patches
########################################

hooks.Filters.ENV_TEMPLATE_ROOTS.add_item(str(PACKAGE / "templates"))
hooks.Filters.ENV_TEMPLATE_TARGETS.add_items([("oars/apps", "plugins")])

_SETTINGS = (PACKAGE / "settings.py.j2").read_text(encoding="utf-8")
hooks.Filters.ENV_PATCHES.add_items(
    [("openedx-lms-common-settings", _SETTINGS), ("openedx-cms-common-settings", _SETTINGS)]
)
for _patch in sorted((PACKAGE / "patches").iterdir(), key=lambda path: path.name):
    hooks.Filters.ENV_PATCHES.add_item((_patch.name, _patch.read_text(encoding="utf-8")))

########################################
# Image: oars-platform installed, or a mounted checkout
########################################

# `tutor mounts add /path/to/oars-platform` installs that checkout in the image (and bind-mounts it at run time).
hooks.Filters.MOUNTED_DIRECTORIES.add_item(("openedx", r"oars[-_]platform"))


@hooks.Filters.IMAGES_BUILD_REQUIRED.add()
def _build_openedx_on_launch(image_names: list[str], context_name: str) -> list[str]:
    """The published openedx image lacks oars-platform: `tutor local launch` builds it (dev builds openedx-dev)."""
    if context_name == "local":
        image_names.append("openedx")
    return image_names

########################################
# Init task and do-jobs
########################################

# After Tutor's LMS init (Django migrations, oars_platform's included) and after Aspects' ClickHouse init tasks
# (priorities 92-97), so our IF NOT EXISTS migrations meet Aspects' tables already made.
INIT_PRIORITY = 98
hooks.Filters.CLI_DO_INIT_TASKS.add_item(
    ("lms", (PACKAGE / "templates" / "oars" / "jobs" / "init" / "lms.sh").read_text(encoding="utf-8")),
    priority=INIT_PRIORITY,
)

for _command in DO_COMMANDS:
    hooks.Filters.CLI_DO_COMMANDS.add_item(t.cast(click.Command, _command))
