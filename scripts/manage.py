#!/usr/bin/env python
"""``manage.py lms|cms <command>`` for the stand-in host, like edx-platform's own manage.py.

The first argument picks the service; settings default to the stand-in's test settings, or production settings
(with the YAML named by ``LMS_CFG``) when ``--settings production`` is given.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> None:
    """Select lms/cms settings, then hand over to Django's command line."""
    if len(argv) < 2 or argv[1] not in ("lms", "cms"):
        sys.exit("usage: scripts/manage.py lms|cms [--settings test|production] <command> [options]")
    service, rest = argv[1], argv[2:]
    flavour = "test"
    if rest[:1] == ["--settings"] and len(rest) > 1:
        flavour, rest = rest[1], rest[2:]
    sys.path[:0] = [str(ROOT / "tests" / "host"), str(ROOT)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{service}.envs.{flavour}")
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"manage.py {service}", *rest])


if __name__ == "__main__":
    main(sys.argv)
