#!/usr/bin/env python
"""``manage.py lms|cms <command>`` for the stand-in host, like edx-platform's own manage.py.

The first argument picks the service. ``--settings`` picks the settings:

- ``test`` (the default): the stand-in's test settings;
- ``production``: the production settings, with the operator's YAML named by ``LMS_CFG`` (lms) or ``CMS_CFG`` (cms);
- ``demo``: the production settings with the YAML of this checkout's demo site (``var/demo/``, made by
  ``scripts/demo.sh``), the demo course back in the in-memory modulestore: every command runs against the demo.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
USAGE = "usage: scripts/manage.py lms|cms [--settings test|production|demo] <command> [options]"


def main(argv: list[str]) -> None:
    """Select lms/cms settings, then hand over to Django's command line."""
    if len(argv) < 2 or argv[1] not in ("lms", "cms"):
        sys.exit(USAGE)
    service, rest = argv[1], argv[2:]
    flavour, chosen = "test", False
    if rest[:1] == ["--settings"] and len(rest) > 1:
        flavour, rest, chosen = rest[1], rest[2:], True
    if flavour not in ("test", "production", "demo"):
        sys.exit(f"unknown settings {flavour!r}; {USAGE}")
    sys.path[:0] = [str(ROOT / "tests" / "host"), str(ROOT)]
    demo = flavour == "demo"
    if demo:
        from scripts import demo_site

        if not (demo_site.DEMO / "lms.yml").exists():
            sys.exit(f"no demo site in {demo_site.DEMO}: run `bash scripts/demo.sh` first")
        demo_site.write_configs()
        flavour = "production"
    if chosen:  # asked for on the command line: wins over the environment, as with the platform's manage.py
        os.environ["DJANGO_SETTINGS_MODULE"] = f"{service}.envs.{flavour}"
    else:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"{service}.envs.{flavour}")
    from django.core.management import execute_from_command_line

    if demo:
        import django

        django.setup()
        demo_site.restore_course()
    execute_from_command_line([f"manage.py {service}", *rest])


if __name__ == "__main__":
    main(sys.argv)
