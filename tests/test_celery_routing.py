"""Where the plugin's tasks go on a real broker: the default queue of the service that sent them, as in the platform.

Each service runs in its own process (settings are process-wide) with the stand-in's Celery app, which, as the
platform's, reads Django settings with no namespace; tasks are sent to Redis (not run eagerly), under a private key
prefix, and the test reads which queue each message is in.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
BROKER = "redis://127.0.0.1:6379/14"

SCRIPT = """
import json, sys, django
django.setup()
from django.conf import settings
from django.core.management import call_command
call_command("migrate", verbosity=0)
settings.BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": sys.argv[1]}
if len(sys.argv) > 2:
    settings.OARS_CELERY_QUEUE = sys.argv[2]  # before the first task is sent
    from oars_platform.conf import get_config
    get_config.cache_clear()  # migrate (above) may have read the configuration already: a YAML would set it first
from standin import factories
if settings.ROOT_URLCONF == "cms.urls":
    from standin.courses import CourseSpec, build_course
    build_course(CourseSpec(sections=1, seed=2))  # a Studio publish
else:
    factories.enroll(factories.create_user(), factories.course_key())  # a learner event in the LMS
print(json.dumps({"default": settings.CELERY_DEFAULT_QUEUE}))
"""


def _run(settings_module: str, tmp_path: Path, prefix: str, *queue: str) -> dict:
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "PYTHONPATH": f"{ROOT / 'tests' / 'host'}{os.pathsep}{ROOT}",
        "OARS_TEST_DB": "sqlite",
        "OARS_TEST_SQLITE_PATH": str(tmp_path / f"{settings_module}.db"),
        "OARS_TEST_BROKER_URL": BROKER,
        "OARS_TEST_CELERY_EAGER": "false",
        "OARS_CLICKHOUSE_URL": "chdb:///nonexistent-never-opened",
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, prefix, *queue],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _queued(client: redis.Redis, prefix: str) -> dict[str, set[str]]:
    """Task names per queue under the prefix (kombu's Redis transport keeps each queue as a list)."""
    found: dict[str, set[str]] = {}
    for key in client.scan_iter(f"{prefix}*"):
        name = key.decode().removeprefix(prefix)
        if client.type(key) != b"list":
            continue
        found[name] = {json.loads(message)["headers"]["task"] for message in client.lrange(key, 0, -1)}
    return found


def test_studio_publishes_queue_course_dumps_for_cms_workers_and_lms_events_for_lms_workers(tmp_path) -> None:
    client = redis.Redis.from_url(BROKER)
    prefix = f"oars-routing-{uuid.uuid4().hex[:8]}:"
    try:
        cms = _run("cms.envs.test", tmp_path, prefix)
        lms = _run("lms.envs.test", tmp_path, prefix)
        assert (cms["default"], lms["default"]) == ("edx.cms.core.default", "edx.lms.core.default")
        queued = _queued(client, prefix)
        # A publish asks for debounced dumps (one runs); an enrollment refreshes learner rows and wakes a drain.
        assert queued == {
            "edx.cms.core.default": {"oars_platform.dump_course"},
            "edx.lms.core.default": {"oars_platform.sync_learner_state", "oars_platform.drain_tracking_buffer"},
        }
    finally:
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)


def test_a_configured_queue_takes_every_task_from_both_services(tmp_path) -> None:
    client = redis.Redis.from_url(BROKER)
    prefix = f"oars-routing-{uuid.uuid4().hex[:8]}:"
    try:
        for module in ("cms.envs.test", "lms.envs.test"):
            _run(module, tmp_path, prefix, "oars.all")
        assert set(_queued(client, prefix)) == {"oars.all"}
    finally:
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
