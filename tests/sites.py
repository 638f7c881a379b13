"""A stand-in site run as real processes: its YAML config, a Celery worker over Redis, a producer process.

The worker tests use it to prove delivery guarantees with real process boundaries: events published by the
request-path backend in one process, consumed by a real ``celery worker`` process, written to a real
clickhouse-server; workers are killed with SIGKILL and servers stopped while events flow.

Every process of a site logs at INFO into a file of the site's directory, which the suite's log check searches for
personal data and passwords after each test (tests/logcheck.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

from tests import logcheck

ROOT = Path(__file__).resolve().parents[1]
CELERY = str(Path(sys.executable).parent / "celery")
#: Users tests/site_main.py creates (``learner1`` ... with ``setup``).
SITE_USERS = 20


class Site:
    """One stand-in LMS: sqlite database, Redis broker database, a private Celery queue, a ClickHouse URL."""

    def __init__(self, clickhouse_url: str, *, redis_db: int = 5, redis_url: str = "", **overrides: object) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="oars-site-"))
        self.queue = f"oars_test_{uuid.uuid4().hex[:8]}"
        # The shared Redis by default; the fault tests pass a private redis-server they may stop and flush.
        self.broker = redis_url or f"redis://127.0.0.1:6379/{redis_db}"
        config = {
            "LMS_ROOT_URL": "http://localhost:18000",
            "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(self.directory / "lms.db")}},
            # The platform's Celery app has no namespace: old-style names (BROKER_URL, CELERY_ALWAYS_EAGER, ...).
            "BROKER_URL": self.broker,
            "CELERY_ALWAYS_EAGER": False,
            # Redeliver what a killed worker held after 8 s, and sweep for it every second; kombu's defaults
            # (1 h, a sweep every ~100 s, a 5 min mutex) are the README's documented production knobs.
            "BROKER_TRANSPORT_OPTIONS": {
                "visibility_timeout": 8,
                "unacked_restore_interval": 1,
                "unacked_restore_throttle": 1,
                "unacked_mutex_expire": 5,
            },
            "OARS_CLICKHOUSE_URL": clickhouse_url,
            "OARS_REDIS_URL": self.broker,
            "OARS_REDIS_KEY_PREFIX": f"oars-site-{self.queue}",
            "OARS_CLAIM_IDLE_SECONDS": 3,
            "OARS_CELERY_QUEUE": self.queue,
            # As an operator declares a dedicated queue: in CELERY_QUEUES, beside the service's default one.
            "CELERY_QUEUES": ["edx.lms.core.default", self.queue],
            "OARS_BATCH_SIZE": 200,
            "OARS_BATCH_INTERVAL": 0.5,
            "OARS_RETRY_BACKOFF_MAX": 3,
            "OARS_TASK_MAX_RETRIES": 30,
            "OARS_CLICKHOUSE_CONNECT_TIMEOUT": 1,
            # Each site spools in its own directory: a test never delivers another test's spooled events.
            "OARS_SPOOL_DIR": str(self.directory / "spool"),
            **overrides,
        }
        self.config = config
        self.config_path = self.directory / "lms.yml"
        self.config_path.write_text(yaml.safe_dump(config))
        self.worker: subprocess.Popen | None = None
        self.worker_log = self.directory / "worker.log"
        logcheck.watch(self.directory)
        for number in range(1, SITE_USERS + 1):  # the users tests/site_main.py creates and gives profiles
            logcheck.add_user(f"learner{number}", f"learner{number}@example.com", f"Learner Number {number}")

    @property
    def env(self) -> dict[str, str]:
        """Environment of every process of this site."""
        return self.env_for(self.config_path)

    def env_for(self, config_path: Path) -> dict[str, str]:
        """Environment of a process of this site using the YAML at ``config_path``."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "lms.envs.production",
            "LMS_CFG": str(config_path),
            "PYTHONPATH": f"{ROOT / 'tests' / 'host'}:{ROOT}",
            "OARS_TEST_LOG_LEVEL": "INFO",
        }

    def variant(self, name: str, **overrides: object) -> Path:
        """A second YAML for another process of the same site (same database), with some settings changed."""
        path = self.directory / f"{name}.yml"
        path.write_text(yaml.safe_dump({**self.config, **overrides}))
        return path

    def manage(self, config_path: Path, *args: str) -> subprocess.Popen:
        """Start ``scripts/manage.py lms <args>`` with the given YAML, in the background."""
        log = (self.directory / f"{config_path.stem}.log").open("a")
        return subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "manage.py"), "lms", "--settings", "production", *args],
            env=self.env_for(config_path),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def run(self, *args: str, timeout: float = 120, config_path: Path | None = None) -> None:
        """Run ``tests/site_main.py`` with these arguments and wait for it (its output goes to ``main.log``)."""
        log_path = self.directory / "main.log"
        start = log_path.stat().st_size if log_path.exists() else 0
        with log_path.open("a") as log:
            result = subprocess.run(
                [sys.executable, str(ROOT / "tests" / "site_main.py"), *args],
                env=self.env_for(config_path or self.config_path),
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                cwd=ROOT,
                check=False,
            )
        if result.returncode:
            output = log_path.read_bytes()[start:].decode(errors="replace")[-3000:]
            raise AssertionError(f"site_main.py {' '.join(args)} exited with {result.returncode}:\n{output}")

    def start_producer(self, *args: str) -> subprocess.Popen:
        """Start ``site_main.py produce ...`` in the background (its output goes to ``producer.log``)."""
        return subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "site_main.py"), "produce", *args],
            env=self.env,
            cwd=ROOT,
            stdout=(self.directory / "producer.log").open("a"),
            stderr=subprocess.STDOUT,
        )

    def start_worker(self) -> None:
        """A real Celery worker process on this site's queue (solo pool: one process owns the connection)."""
        log = self.worker_log.open("a")
        self.worker = subprocess.Popen(
            [
                CELERY,
                "-A",
                "lms.celery",
                "worker",
                "--pool=solo",
                "-Q",
                self.queue,
                "--prefetch-multiplier=1000",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_worker(self) -> None:
        """SIGKILL the worker (no warm shutdown, nothing acknowledged on the way out)."""
        if self.worker and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=30)
        self.worker = None

    def stop_worker(self) -> None:
        """Warm shutdown (SIGTERM), SIGKILL if it lingers."""
        if self.worker and self.worker.poll() is None:
            os.killpg(self.worker.pid, signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_worker()
        self.worker = None

    def purge(self) -> None:
        """Drop this site's queue and Redis database keys (tests share Redis)."""
        import redis

        client = redis.Redis.from_url(self.broker)
        for key in client.scan_iter(f"*{self.queue}*"):
            client.delete(key)


def wait_until(predicate, timeout: float, interval: float = 0.5, what: str = "condition") -> None:
    """Poll ``predicate`` until it is true; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
