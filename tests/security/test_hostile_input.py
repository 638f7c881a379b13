"""Hostile tracking events through the real request path and the real worker: nothing escapes, nothing is lost.

Two runs of the same hypothesis-driven generator (tests/security/hostile.py):

* in-process, many small examples that hypothesis shrinks: the eventtracking backend and the
  ``TRACKING_EVENT_EMITTED`` receiver, the Redis buffer and the drain (Celery eager), ClickHouse embedded;
* the fuzz: 100,000 events sent by this process through the same receivers into a stand-in site's Redis stream,
  drained by a real ``celery worker`` process into its own embedded ClickHouse, read back afterwards.

Both assert: no exception reaches the caller and nothing is logged as failed at the request path; the oracle (the
pure transform over the text the request path buffered) agrees with what each mutation implies; the statements
stored are exactly the oracle's; each rejected event is one quarantine row with the oracle's reason; and
filtered at the request path + stored + quarantined == sent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from oars_platform.buffer import EventBuffer, get_buffer
from oars_platform.drain import drain
from oars_platform.signals.tracking import on_tracking_event_emitted
from oars_platform.tracking import OarsTrackingBackend, encode_event, event_filter
from oars_platform.xapi import Reason
from tests.learners.conftest import READ_CHDB
from tests.security.hostile import (
    FILTERED,
    MAX_EVENT_BYTES,
    MUTATIONS,
    STORED,
    Recipe,
    Sent,
    create_world,
    expand,
    load_fixtures,
    oracle,
    recipes,
)
from tests.sites import ROOT, Site, wait_until

FIXTURES = load_fixtures()
NAMES = sorted(FIXTURES)


class ErrorLog(logging.Handler):
    """Counts ERROR records of the plugin (the request path logs what it swallowed)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def _signal_timestamp(value: Any) -> Any:
    """A datetime, as the platform sends, when the text is one; hostile values go through as they are."""
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def _json_text(value: Any) -> str:
    """As the platform fills ``TrackingLogData``: ``json.dumps`` of the payload, whatever its type."""
    return json.dumps(value)


def send_all(events: list[Sent], backend: OarsTrackingBackend) -> int:
    """Send every event by its path; return how many exceptions escaped (the receivers must keep them)."""
    escaped = 0
    for sent in events:
        try:
            if sent.recipe.signal:
                event = sent.event
                on_tracking_event_emitted(tracking_log=_TrackingLog(
                    event.get("name"), _signal_timestamp(event.get("timestamp")),
                    _json_text(event.get("data", event.get("event"))), _json_text(event.get("context"))))
            else:
                backend.send(sent.event)
        except Exception:
            escaped += 1
    return escaped


class _TrackingLog:
    """``TrackingLogData``'s shape without its type annotations (attrs does not enforce them either)."""

    def __init__(self, name: Any, timestamp: Any, data: Any, context: Any) -> None:
        self.name, self.timestamp, self.data, self.context = name, timestamp, data, context


def baselines() -> dict[str, str]:
    """The fate of each clean reference event (FILTERED when the request path does not want its name)."""
    out = {}
    for name, event in FIXTURES.items():
        if not event_filter().wanted(event.get("name")):
            out[name] = FILTERED
        else:
            out[name] = oracle([encode_event(event, MAX_EVENT_BYTES)])[2][0]
    return out


def check_expectations(events: list[Sent], buffered: list[str], base: dict[str, str]) -> None:
    """Map buffered texts to sent events (FILTERED is always exact) and check the oracle against each mutation."""
    for sent in events:
        sent.expected = sent.recipe.expected(base[sent.recipe.fixture])
    kept = [sent for sent in events if sent.expected != FILTERED]
    assert len(buffered) == len(kept), (len(buffered), len(kept))
    fates = oracle(buffered)[2]
    wrong = []
    for sent, fate in zip(kept, fates, strict=True):
        sent.outcome = fate
        if fate == Reason.TRANSFORM_ERROR or (sent.expected is not None and fate != sent.expected):
            wrong.append((sent.recipe, sent.expected, fate))
    assert not wrong, wrong[:5]


# -- in-process ------------------------------------------------------------------------------------------------
@pytest.fixture
def hostile_world(clickhouse, db, settings) -> Iterator[Any]:
    """The fuzz site's users and courses in this process, on the embedded engine."""
    from oars_platform.ingest import reset_lookups

    settings.OARS_MAX_EVENT_BYTES = MAX_EVENT_BYTES
    reset_lookups()
    create_world()
    yield clickhouse
    reset_lookups()


def _stored_ids(clickhouse) -> set[str]:
    rows = clickhouse.client.query(f"SELECT toString(event_id) FROM `{clickhouse.databases.xapi}`.xapi_events_all")
    return {row[0] for row in rows.rows}


def _quarantined(clickhouse) -> Counter[str]:
    database = clickhouse.databases.oars
    rows = clickhouse.client.query(f"SELECT reason, count() FROM `{database}`.quarantine GROUP BY reason")
    return Counter({reason: int(count) for reason, count in rows.rows})


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(plan=st.lists(recipes(NAMES), min_size=1, max_size=10))
def test_hostile_events_in_process_are_stored_or_quarantined(hostile_world, monkeypatch, plan: list[Recipe]) -> None:
    clickhouse = hostile_world
    for table in ("xapi.xapi_events_all", "oars.quarantine", "oars.ingest_ledger"):
        role, name = table.split(".")
        clickhouse.client.execute(f"TRUNCATE TABLE `{getattr(clickhouse.databases, role)}`.`{name}`")
    buffered: list[str] = []
    append = EventBuffer.append

    def recording(self: EventBuffer, raw: str, source: str, timer_seconds: float) -> tuple[int, bool]:
        buffered.append(raw)  # a spy: the real append runs
        return append(self, raw, source, timer_seconds)

    monkeypatch.setattr(EventBuffer, "append", recording)
    events = expand(plan, FIXTURES, total=len(plan) * 3).events
    errors = ErrorLog()
    logging.getLogger("oars_platform").addHandler(errors)
    try:
        escaped = send_all(events, OarsTrackingBackend())
        drain(get_buffer())  # what the timer's drain would do for the last events
    finally:
        logging.getLogger("oars_platform").removeHandler(errors)
    assert (escaped, errors.count) == (0, 0)
    assert get_buffer().depth() == 0
    check_expectations(events, buffered, baselines())
    ids, reasons, fates = oracle(buffered)
    assert _stored_ids(clickhouse) == ids
    assert _quarantined(clickhouse) == reasons
    filtered = sum(1 for sent in events if sent.expected == FILTERED)
    stored = sum(1 for sent in events if sent.outcome == STORED)
    assert filtered + stored + sum(1 for fate in fates if fate != STORED) == len(events)


# -- the fuzz: 100,000 events, a real worker -------------------------------------------------------------------
FUZZ_EVENTS = 100_000
FUZZ_RECIPES = 400


def _read(site: Site, sql: str) -> list[list[Any]]:
    path = site.config["OARS_CLICKHOUSE_URL"].removeprefix("chdb://")
    result = subprocess.run([sys.executable, "-c", READ_CHDB, path, sql], capture_output=True, text=True,
                            timeout=120, check=True)
    return json.loads(result.stdout)


@pytest.fixture
def fuzz_site(tmp_path, settings) -> Iterator[Site]:
    """A stand-in site on its own embedded ClickHouse, migrated, with the fuzz world; this process sends to it.

    Celery here stops being eager and publishes the drain wake-ups to the site's broker and queue, as the LMS does.
    """
    from openedx.core.lib.celery import APP

    site = Site(f"chdb://{tmp_path / 'chdb'}", OARS_BATCH_SIZE=2000, OARS_BATCH_INTERVAL=1,
                OARS_MAX_EVENT_BYTES=MAX_EVENT_BYTES)
    site.run("setup-fixtures")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "manage.py"), "lms", "--settings", "production",
                    "migrate_clickhouse"], env=site.env, cwd=ROOT, check=True, capture_output=True, timeout=300)
    for name in ("OARS_REDIS_URL", "OARS_REDIS_KEY_PREFIX", "OARS_CELERY_QUEUE", "OARS_BATCH_SIZE",
                 "OARS_BATCH_INTERVAL", "OARS_MAX_EVENT_BYTES"):
        setattr(settings, name, site.config[name])
    previous = (APP.conf.task_always_eager, APP.conf.broker_url)
    APP.close()
    APP.conf.task_always_eager, APP.conf.broker_url = False, site.broker
    try:
        yield site
    finally:
        APP.close()
        APP.conf.task_always_eager, APP.conf.broker_url = previous
        site.stop_worker()
        site.purge()
        redis.Redis.from_url(site.broker).delete(f"{site.config['OARS_REDIS_KEY_PREFIX']}:tracking")


def hypothesis_plan(count: int) -> list[Recipe]:
    """``count`` recipes as hypothesis generates them (derandomized: the same plan on every run and machine).

    One example per recipe, collected: a single example of a list strategy would be the simplest list, and the
    fuzz wants hypothesis's spread of mutations and values, from the simplest to the most hostile.
    """
    drawn: list[Recipe] = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(recipes(NAMES))
    def collect(recipe: Recipe) -> None:
        drawn.append(recipe)

    collect()
    return drawn


@pytest.mark.worker
def test_fuzz_100k_hostile_events_through_the_receivers_and_a_real_worker(fuzz_site: Site) -> None:
    plan = hypothesis_plan(FUZZ_RECIPES)
    assert len({recipe.mutation for recipe in plan}) == len(MUTATIONS)
    clock = time.monotonic()
    events = expand(plan, FIXTURES, total=FUZZ_EVENTS).events
    errors = ErrorLog()
    logging.getLogger("oars_platform").addHandler(errors)
    backend = OarsTrackingBackend()
    try:
        escaped = send_all(events, backend)
    finally:
        logging.getLogger("oars_platform").removeHandler(errors)
    assert (escaped, errors.count, backend.stats["failed"]) == (0, 0, 0)
    sending, clock = time.monotonic() - clock, time.monotonic()

    stream = redis.Redis.from_url(fuzz_site.broker, decode_responses=True)
    key = f"{fuzz_site.config['OARS_REDIS_KEY_PREFIX']}:tracking"
    buffered = [fields["e"] for _, fields in stream.xrange(key)]
    check_expectations(events, buffered, baselines())
    ids, reasons, fates = oracle(buffered)
    assert len(ids) > FUZZ_EVENTS // 10 and len(reasons) >= 6  # the mix really has both

    checking, clock = time.monotonic() - clock, time.monotonic()
    fuzz_site.start_worker()
    wait_until(lambda: stream.xlen(key) == 0, timeout=600, interval=1, what="the worker to drain the stream")
    fuzz_site.stop_worker()
    drained = time.monotonic() - clock

    stored = _read(fuzz_site, "SELECT toString(event_id) FROM xapi.xapi_events_all")
    assert {row[0] for row in stored} == ids
    quarantined = _read(fuzz_site, "SELECT reason, count() FROM oars.quarantine GROUP BY reason")
    assert Counter({reason: int(count) for reason, count in quarantined}) == reasons
    filtered = sum(1 for sent in events if sent.expected == FILTERED)
    written = sum(1 for sent in events if sent.outcome == STORED)
    assert filtered + written + sum(1 for fate in fates if fate != STORED) == FUZZ_EVENTS
    print(f"\nfuzz: {FUZZ_EVENTS} sent, {filtered} filtered at the request path, {written} stored "
          f"({len(ids)} statements), {sum(reasons.values())} distinct events quarantined {dict(reasons)}; "
          f"sending {sending:.1f}s, oracle {checking:.1f}s, worker {drained:.1f}s")


def test_a_signal_payload_that_is_not_json_keeps_an_iso_timestamp_in_its_raw_text() -> None:
    # str(datetime) has a space for the "T": the worker then quarantined the event as bad_timestamp instead.
    from oars_platform.xapi import Rejection, from_tracking_signal

    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    rejection = from_tracking_signal("play_video", when, "{not json", "{}")
    assert isinstance(rejection, Rejection) and rejection.reason == Reason.MALFORMED_JSON
    assert json.loads(rejection.raw)["timestamp"] == "2024-05-01T10:00:00+00:00"
