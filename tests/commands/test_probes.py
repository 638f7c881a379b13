"""``check --deploy --tag oars`` and ``oars_status`` see every dependency within the connect timeout (real processes).

Before: the deploy check said nothing when Redis was unreachable, took 302 s against a port that accepts and never
answers (the 300 s query timeout bounded the handshake) and crashed when another process held the embedded engine;
``oars_status`` read lag as "newest received minus newest emitted", which a producer stamping events 2 h ahead
turned into 0.0 while a backlog waited.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import redis

from tests.commands.conftest import closed_port, configure, manage
from tests.site_main import COURSE_ID
from tests.sites import Site


def deploy_check(site: Site) -> tuple[int, str, float]:
    started = time.monotonic()
    run = manage(site, "check", "--deploy", "--tag", "oars")
    return run.rc, run.err, time.monotonic() - started


@pytest.fixture
def migrated_site(embedded_site: Site) -> Site:
    assert manage(embedded_site, "migrate_clickhouse").rc == 0
    return embedded_site


def test_deploy_check_passes_when_everything_answers(migrated_site: Site) -> None:
    rc, err, _ = deploy_check(migrated_site)
    assert (rc, err.strip()) == (0, ""), err


def test_deploy_check_reports_an_unreachable_redis(migrated_site: Site) -> None:
    port = closed_port()
    configure(migrated_site, OARS_REDIS_URL=f"redis://127.0.0.1:{port}/0")
    rc, err, _ = deploy_check(migrated_site)
    assert rc == 1
    assert f"(oars.E008) Redis at redis://127.0.0.1:{port}/0 is not usable" in err


def test_deploy_check_of_a_silent_redis_is_bounded_by_the_connect_timeout(migrated_site: Site, silent_port) -> None:
    configure(migrated_site, OARS_REDIS_URL=f"redis://127.0.0.1:{silent_port}/0", OARS_CLICKHOUSE_CONNECT_TIMEOUT=1)
    rc, err, seconds = deploy_check(migrated_site)
    assert rc == 1
    assert "(oars.E008)" in err and "Timeout" in err
    assert seconds < 20  # process start-up included; without a bound, redis-py would wait forever


def test_deploy_check_of_a_silent_clickhouse_is_bounded_by_the_connect_timeout(embedded_site: Site, silent_port
                                                                               ) -> None:
    configure(embedded_site, OARS_CLICKHOUSE_URL=f"clickhouse://oars:pw@127.0.0.1:{silent_port}/",
              OARS_CLICKHOUSE_CONNECT_TIMEOUT=1, OARS_CLICKHOUSE_SEND_RECEIVE_TIMEOUT=300)
    rc, err, seconds = deploy_check(embedded_site)
    assert rc == 1
    assert f"(oars.E002) ClickHouse at clickhouse://oars:***@127.0.0.1:{silent_port}/ is not usable" in err
    assert "no answer in time" in err
    assert seconds < 20  # was 302 s: the handshake waited for the 300 s query timeout


def test_deploy_check_reports_an_engine_used_by_another_process(embedded_site: Site, engine_holder) -> None:
    rc, err, _ = deploy_check(embedded_site)
    assert rc == 1
    assert "(oars.E002)" in err
    assert f"used by another process (pid {engine_holder.pid})" in err
    assert "Traceback" not in err


def test_lag_is_the_buffer_age_whatever_the_producers_clock(migrated_site: Site, tmp_path) -> None:
    ahead = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    log = tmp_path / "tracking.log"
    log.write_text("".join(json.dumps(_event(ahead, index)) + "\n" for index in range(10)))
    replayed = manage(migrated_site, "replay_tracking_logs", str(log), "--no-progress")
    assert replayed.rc == 0, replayed.err
    # A backlog: one event received 90 s ago (by Redis's clock, the stream id) and not stored yet.
    client = redis.Redis.from_url(migrated_site.config["OARS_REDIS_URL"])
    now_ms = int(client.time()[0] * 1000)
    client.xadd(f"{migrated_site.config['OARS_REDIS_KEY_PREFIX']}:tracking",
                {"e": json.dumps(_event(ahead, 99)), "s": "tracking"}, id=f"{now_ms - 90_000}-0")

    status = manage(migrated_site, "oars_status", "--json")
    assert status.rc == 0, status.err
    facts = json.loads(status.out)
    assert facts["queue_depth"] == 1
    assert 90 <= facts["lag_seconds"] < 150
    assert facts["future_seconds"] is not None and 7000 < facts["future_seconds"] <= 7210, (facts, replayed.out)
    text = manage(migrated_site, "oars_status").out
    assert "(in the future by 2.0 h: a producer's clock is ahead" in text
    lag_line = next(line for line in text.splitlines() if line.startswith("lag seconds: "))
    assert float(lag_line.split()[2]) >= 90, lag_line


def _event(when: dt.datetime, index: int) -> dict:
    return {
        "name": "play_video",
        "event_type": "play_video",
        "event_source": "browser",
        "time": (when + dt.timedelta(seconds=index)).isoformat(),
        "context": {"user_id": 1 + index % 20, "course_id": COURSE_ID, "org_id": "edX", "path": "/event"},
        "event": json.dumps({"id": "0b9e39477cf34507a7a48f74be381fdd", "currentTime": index, "duration": 300.0,
                             "code": "html5"}),
    }
