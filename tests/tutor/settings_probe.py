"""Run ``manage.py <service> check --tag oars`` on a settings module, then print the settings the tests compare.

Executed as a script by tests/tutor (the platform's settings can be loaded once per process): argv is the service
(``lms``/``cms``); ``DJANGO_SETTINGS_MODULE`` names the module made of the stand-in's production settings and the
block Tutor rendered. The check's own output goes to stderr; stdout ends with one JSON line.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NAMES = (
    "OARS_CLICKHOUSE_URL",
    "OARS_CLICKHOUSE_CLUSTER",
    "OARS_XAPI_DATABASE",
    "OARS_EVENT_SINK_DATABASE",
    "OARS_DATABASE",
    "OARS_REDIS_URL",
    "OARS_CELERY_QUEUE",
    "OARS_PII_ENABLED",
    "OARS_BATCH_SIZE",
    "XAPI_EVENTS_ENABLED",
    "XAPI_EVENT_LOGGING_ENABLED",
    "CELERY_QUEUES",
)


def main(service: str) -> None:
    """Check, then dump: a failed check exits non-zero before anything is printed."""
    sys.path[:0] = [str(ROOT / "tests" / "host"), str(ROOT)]
    from django.core.management import execute_from_command_line

    execute_from_command_line([f"manage.py {service}", "check", "--tag", "oars"])
    from django.conf import settings

    from oars_platform.conf import build_config

    values = {name: getattr(settings, name, "<unset>") for name in NAMES}
    values["CELERY_QUEUES"] = sorted(values["CELERY_QUEUES"]) if values["CELERY_QUEUES"] != "<unset>" else None
    values["EVENT_SINK"] = {
        name: value for name, value in vars(settings._wrapped).items() if name.startswith("EVENT_SINK_CLICKHOUSE_")
    }
    values["databases"] = dataclasses.asdict(build_config().databases)
    print(json.dumps(values, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
