"""End to end: request path → Redis stream buffer → one worker process → ClickHouse (embedded engine).

Figures, each a median of several runs where it can be:
* request-path cost per event (our eventtracking backend's ``send``), against a bare Redis ``XADD`` round trip;
* sustained events/s of one worker process draining a full buffer (transform + insert + acknowledge), against a
  bare insert of the same statements measured in the same run;
* p95 latency from emit to queryable, with a producer process sending at a steady rate while the worker runs.

This process is the worker (a Celery worker thread: the embedded engine allows one process), so it can watch the
table; the latency producer is a separate process, as a web server would be.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

from benchmarks.harness import Figure

ROOT = Path(__file__).resolve().parents[1]
REDIS = "redis://127.0.0.1:6379/11"


def _configure(directory: Path) -> Path:
    config = {
        "LMS_ROOT_URL": "http://localhost:18000",
        "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(directory / "lms.db")}},
        "OARS_CLICKHOUSE_URL": f"chdb://{directory / 'clickhouse'}",
        "OARS_REDIS_URL": REDIS,
        "OARS_REDIS_KEY_PREFIX": f"oars-bench-{uuid.uuid4().hex[:8]}",
        "OARS_BATCH_SIZE": 1000,
        "OARS_BATCH_INTERVAL": 1.0,
        "CELERY_BROKER_URL": REDIS,
        "CELERY_TASK_ALWAYS_EAGER": False,
        "CELERY_TASK_DEFAULT_QUEUE": f"oars-bench-{uuid.uuid4().hex[:8]}",
    }
    path = directory / "lms.yml"
    path.write_text(yaml.safe_dump(config))
    os.environ["LMS_CFG"] = str(path)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.envs.production"
    sys.path[:0] = [str(ROOT / "tests" / "host"), str(ROOT)]
    return path


def run(quick: bool = False) -> list[Figure]:
    """Measure in a fresh process (Django settings and the embedded engine are per process)."""
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_pipeline", "--quick" if quick else "--full"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    ).stdout
    figures = []
    for line in output.splitlines():
        if line.startswith("FIGURE\t"):
            _, name, value, unit, target, ratio = line.split("\t")
            figures.append(Figure(name, float(value), unit, target or None, float(ratio) if ratio else None))
    return figures


def _measure(quick: bool) -> list[Figure]:
    directory = Path(tempfile.mkdtemp(prefix="oars-bench-pipeline-"))
    config_path = _configure(directory)
    import django

    django.setup()
    from celery.contrib.testing.worker import start_worker
    from django.core.management import call_command
    from lms.celery import APP

    from oars_platform.buffer import get_buffer
    from oars_platform.conf import get_config
    from oars_platform.connection import get_client
    from oars_platform.ingest import transform
    from oars_platform.tracking import OarsTrackingBackend, encode_event
    from tests.site_main import event, setup

    setup()
    call_command("migrate_clickhouse", verbosity=0)
    client, config, buffer = get_client(), get_config(), get_buffer()
    raw_table = f"`{config.databases.xapi}`.xapi_events_all"
    count = 20_000 if quick else 100_000
    runs = 3

    # 1. Request path: our backend's send() against a bare XADD round trip.
    backend = OarsTrackingBackend()
    events = [event(index) for index in range(count)]
    send_costs, xadd_costs = [], []
    for attempt in range(runs):
        sample = events[attempt::runs][:5000]
        started = time.perf_counter()
        for item in sample:
            backend.send(item)
        send_costs.append((time.perf_counter() - started) / len(sample))
        probe = f"{config.redis_key_prefix}:probe"
        started = time.perf_counter()
        for _ in sample:
            buffer.client.xadd(probe, {"e": "x"})
        xadd_costs.append((time.perf_counter() - started) / len(sample))
        buffer.client.delete(probe)
    request_cost = statistics.median(send_costs)
    xadd_cost = statistics.median(xadd_costs)
    buffered = buffer.depth()

    # 2. Sustained drain of a full buffer by one worker, against a bare insert of the same statements.
    drain_rates = []
    with start_worker(APP, pool="solo", perform_ping_check=False, loglevel="ERROR", shutdown_timeout=60):
        for attempt in range(runs):
            if attempt:  # refill: the same events again (deduplicated in ClickHouse) so every run drains `count`
                for item in events:
                    backend.send(item)
            depth = buffer.depth()
            started = time.perf_counter()
            from oars_platform.tasks.tracking import schedule_drain

            schedule_drain(0)
            while buffer.depth():
                time.sleep(0.01)
            drain_rates.append(depth / (time.perf_counter() - started))
        drain_rate = statistics.median(drain_rates)

        statements = transform([encode_event(item) for item in events]).statements
        rows = [(s.id, s.emission_time, s.json) for s in statements]
        bare_rates = []
        for _ in range(runs):
            client.execute(f"TRUNCATE TABLE {raw_table}")
            started = time.perf_counter()
            for offset in range(0, len(rows), 1000):
                client.insert(raw_table, ["event_id", "emission_time", "event"], rows[offset : offset + 1000])
            bare_rates.append(len(rows) / (time.perf_counter() - started))
        bare_rate = statistics.median(bare_rates)

        # 3. Latency: a producer process at a steady rate; we poll how many statements are queryable.
        client.execute(f"TRUNCATE TABLE {raw_table}")
        rate, seconds = 1000, (10 if quick else 30)
        sent_log = directory / "sent.txt"
        producer = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "tests" / "site_main.py"),
                "produce",
                "--first",
                str(count),
                "--count",
                str(rate * seconds),
                "--rate",
                str(rate),
                "--sent-log",
                str(sent_log),
            ],
            env={**os.environ, "LMS_CFG": str(config_path)},
            cwd=ROOT,
        )
        seen: list[tuple[float, int]] = []
        total = rate * seconds
        deadline = time.time() + seconds + 60
        while time.time() < deadline:
            stored = int(client.query(f"SELECT count() FROM {raw_table}").scalar())
            seen.append((time.time(), stored))
            if stored >= total and producer.poll() is not None:
                break
            time.sleep(0.05)
        producer.wait(timeout=60)
    sent = [float(line) for line in sent_log.read_text().split()]
    latencies, cursor = [], 0
    for index, sent_at in enumerate(sent):
        while cursor < len(seen) and seen[cursor][1] <= index:
            cursor += 1
        if cursor < len(seen):
            latencies.append(seen[cursor][0] - sent_at)
    p95 = statistics.quantiles(latencies, n=20)[18] if len(latencies) > 20 else float("nan")
    print(f"buffered {buffered} events for the drain runs; latency samples {len(latencies)}", file=sys.stderr)
    return [
        Figure("request path per event (backend send)", request_cost * 1e6, "us", None, request_cost / xadd_cost),
        Figure("bare Redis XADD round trip", xadd_cost * 1e6, "us"),
        Figure(
            "one worker, sustained (transform+insert+ack)", drain_rate, "events/s", ">= 5,000", drain_rate / bare_rate
        ),
        Figure("bare insert of the same statements", bare_rate, "rows/s"),
        Figure(f"emit to queryable p95 at {rate} events/s", p95, "s", "<= 5"),
        Figure(f"emit to queryable median at {rate} events/s", statistics.median(latencies), "s"),
    ]


if __name__ == "__main__":
    for figure in _measure(quick="--quick" in sys.argv):
        print(
            "\t".join(
                [
                    "FIGURE",
                    figure.name,
                    repr(figure.value),
                    figure.unit,
                    figure.target or "",
                    repr(figure.ratio) if figure.ratio is not None else "",
                ]
            )
        )
