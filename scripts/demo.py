#!/usr/bin/env python
"""The oars_platform demo: a stand-in LMS with the plugin installed, on the embedded ClickHouse engine.

It configures the LMS the way an operator would (a YAML file read by the production settings), applies the Django
and ClickHouse migrations, and prints what exists. Everything lives under ``var/demo/``; ``--reset`` starts over.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "var" / "demo"


def write_config() -> Path:
    """The operator's YAML: where ClickHouse is, where the LMS database is."""
    import yaml

    config = {
        "LMS_ROOT_URL": "http://localhost:18000",
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DEMO / "lms.sqlite3")}},
        "OARS_CLICKHOUSE_URL": f"chdb://{DEMO / 'clickhouse'}",
        "CELERY_TASK_ALWAYS_EAGER": True,
    }
    path = DEMO / "lms.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def main() -> None:
    """Set up, migrate, summarise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reset", action="store_true", help="Delete var/demo first and start from nothing.")
    args = parser.parse_args()
    if args.reset and DEMO.exists():
        shutil.rmtree(DEMO)
    DEMO.mkdir(parents=True, exist_ok=True)
    os.environ["LMS_CFG"] = str(write_config())
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.envs.production"
    sys.path[:0] = [str(ROOT / "tests" / "host"), str(ROOT)]

    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    print("== Django migrations (stand-in LMS database)")
    call_command("migrate", verbosity=0)
    print("== ClickHouse migrations (embedded engine)")
    call_command("migrate_clickhouse")
    print("== Summary")
    summarise()
    print(f"Demo finished in {time.perf_counter() - started:.1f}s; data in {DEMO}")


def summarise() -> None:
    """One line per ClickHouse table we own: rows and engine."""
    from oars_platform.clickhouse import get_client
    from oars_platform.conf import get_config

    config = get_config()
    client = get_client()
    print(f"ClickHouse {client.server_version()} at {client.display_url}")
    databases = [config.databases.xapi, config.databases.event_sink, config.databases.oars]
    rows = client.query(
        "SELECT database, name, engine, total_rows FROM system.tables WHERE has({dbs:Array(String)}, database) "
        "ORDER BY database, name",
        {"dbs": databases},
    ).rows
    for database, name, engine, total_rows in rows:
        print(f"  {database + '.' + name:<36} {engine:<20} {total_rows or 0:>10} rows")


if __name__ == "__main__":
    main()
