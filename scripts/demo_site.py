"""The demo site of one checkout: where its data lives, its private Redis namespace, its YAML, its course.

Shared by ``scripts/demo.py`` (which builds the site), ``scripts/manage.py --settings demo`` (which runs any
management command against it) and the tests. Two checkouts on one machine share the Redis server, so every key the
site writes (the event buffer's stream, the drain timers, Celery's queues and bindings) carries a prefix derived from
the checkout's path: two demos, or a demo and the test suite, never read each other's events, and ``--reset``
deletes only this checkout's keys.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "var" / "demo"
REDIS = "redis://127.0.0.1:6379/9"
LMS_ROOT_URL = "http://127.0.0.1:18000"
COURSE_NAME = "OARS Demo Course"
DEFAULT_SEED = 7
#: What the demo's learners use: the platform's default hasher costs about half a second per password here, so a
#: cohort of 300 spent minutes hashing. Only the simulated learners get it; the staff login keeps Django's default.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def checkout_id(root: Path = ROOT) -> str:
    """A short stable name for this checkout (its resolved path), unique per folder on a machine."""
    return hashlib.sha1(str(root.resolve()).encode()).hexdigest()[:10]  # a name, not a secret


PREFIX = f"oars-demo-{checkout_id()}"
QUEUE = f"{PREFIX}.default"


def config(service: str) -> dict[str, object]:
    """The operator's YAML for ``lms`` or ``cms``: both share the database, ClickHouse and Redis namespace."""
    return {
        "LMS_ROOT_URL": LMS_ROOT_URL,
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DEMO / "lms.sqlite3")}},
        "OARS_CLICKHOUSE_URL": f"chdb://{DEMO / 'clickhouse'}",
        "OARS_REDIS_URL": REDIS,
        "OARS_REDIS_KEY_PREFIX": PREFIX,
        "OARS_BATCH_INTERVAL": 1.0,
        "OARS_COURSE_DUMP_DELAY": 1,
        # Old-style names: the platform's Celery app (and the stand-in's) reads settings with no namespace.
        "BROKER_URL": REDIS,
        # kombu prefixes every key of the broker (queues, bindings, unacked sets) with this.
        "BROKER_TRANSPORT_OPTIONS": {"global_keyprefix": f"{PREFIX}:celery:"},
        "CELERY_ALWAYS_EAGER": False,
        "CELERY_DEFAULT_QUEUE": f"{QUEUE}.{service}",
        # The queues this service's workers consume (the platform builds them from YAML the same way).
        "CELERY_QUEUES": [f"{QUEUE}.{service}"],
        "STATIC_ROOT": str(DEMO / "static"),
    }


def write_configs() -> dict[str, Path]:
    """Write ``lms.yml`` and ``cms.yml`` into the demo folder; point ``LMS_CFG`` / ``CMS_CFG`` at them."""
    import yaml

    DEMO.mkdir(parents=True, exist_ok=True)
    paths = {}
    for service in ("lms", "cms"):
        path = DEMO / f"{service}.yml"
        path.write_text(yaml.safe_dump(config(service), sort_keys=False))
        paths[service] = path
    os.environ["LMS_CFG"] = str(paths["lms"])
    os.environ["CMS_CFG"] = str(paths["cms"])
    return paths


def delete_redis_keys() -> int:
    """Delete this checkout's Redis keys only (its buffer and its Celery broker); return how many."""
    import redis

    client = redis.Redis.from_url(REDIS)
    deleted = 0
    for key in client.scan_iter(match=f"{PREFIX}:*", count=1000):
        deleted += client.delete(key)
    return deleted


def course_spec(seed: int = DEFAULT_SEED):
    """The generated demo course (the same seed always gives the same course and keys)."""
    from standin.courses import CourseSpec

    return CourseSpec(org="OARS", number="Demo101", run=f"R{seed}", display_name=COURSE_NAME, sections=4,
                      subsections_per_section=3, units_per_subsection=3, components_per_unit=3, seed=seed)


def seed_used() -> int:
    """The seed the demo last ran with (its course is the one the site has)."""
    path = DEMO / "seed"
    return int(path.read_text()) if path.exists() else DEFAULT_SEED


def restore_course() -> None:
    """Put the demo course back into this process's modulestore, without publish signals.

    The stand-in's modulestore lives in memory (a real platform keeps courses in MongoDB), so a new process of the
    demo site would have no course: ``dump_courses_to_clickhouse`` would find nothing to dump. The course is
    generated from a seed, so it is rebuilt identically; its signals are off because nothing was published.
    """
    from standin.courses import build_course
    from xmodule.modulestore.django import SignalHandler

    signals = SignalHandler.all_signals()
    for signal in signals:
        signal.disable()
    try:
        build_course(course_spec(seed_used()))
    finally:
        for signal in signals:
            signal.enable()
