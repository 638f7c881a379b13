"""The suite-wide log check (tests/logcheck.py) can fail: planted PII and passwords are caught wherever logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.logcheck import CAPTURE, LogCapture, Pii, fixture_pii, known_pii, record_output, watch
from tests.servers import ClickHouseServer


def test_the_suite_capture_sees_debug_records_of_any_logger_and_names_what_leaked(db) -> None:
    from standin.factories import create_user

    user = create_user("planted_learner", name="Planted Person")
    logging.getLogger("some.library.deep").debug("user %s <%s> from %s", user.username, user.email, "172.18.0.1")
    logging.getLogger("celery.app.trace").info("connecting with %s", ClickHouseServer.password)
    leaks = CAPTURE.check()  # taken here, so this test's teardown check finds nothing left
    assert [leak.where for leak in leaks] == ["log some.library.deep DEBUG", "log celery.app.trace INFO"]
    assert leaks[0].found == ["172.18.0.1", "planted_learner", "planted_learner@example.com"]
    assert leaks[1].found == [ClickHouseServer.password]
    assert logging.getLogger().level == logging.DEBUG


def test_tracebacks_and_process_outputs_are_searched(tmp_path: Path) -> None:
    try:
        raise ValueError("bad row for xiaaug24")
    except ValueError:
        logging.getLogger("oars_platform.test").exception("refused")
    (tmp_path / "worker.log").write_text("[2024-01-01] task failed for bmtcril\n")
    (tmp_path / "other.txt").write_text("not a log file: bmtcril")
    watch(tmp_path)
    record_output("stderr of a command: s3cr3t-p%40ss", "manage.py dump_data_to_clickhouse")
    leaks = CAPTURE.check()
    assert [(leak.where, leak.found) for leak in leaks] == [
        ("log oars_platform.test ERROR", ["xiaaug24"]),
        ("manage.py dump_data_to_clickhouse", ["s3cr3t-p%40ss"]),
        (f"file worker.log of {tmp_path}", ["bmtcril"]),
    ]


def test_only_whole_values_are_found() -> None:
    logger = logging.getLogger("tests.privacy.private")
    logger.propagate = False  # the suite capture must not see these planted lines
    capture = LogCapture()
    named = LogCapture(Pii(names={"Zed Planted-Name"}, tokens={"zplanted"}))
    logger.addHandler(capture)
    logger.addHandler(named)
    try:
        assert "edx" not in known_pii().tokens  # an ordinary word in event names; every other fixture value is searched
        logger.warning("openedx edx.video.played course-v1:edX+DemoX from 127.0.0.1 for user 6, zplanteds, Zed")
        assert capture.check() == named.check() == []
        logger.warning('{"username": "tacotuesday", "ip": "172.19.0.1"} Zed Planted-Name (zplanted.)')
        assert [leak.found for leak in capture.check()] == [["172.19.0.1", "tacotuesday"]]
        assert [leak.found for leak in named.check()] == [["Zed Planted-Name", "zplanted"]]
    finally:
        logger.removeHandler(capture)
        logger.removeHandler(named)


def test_every_kind_of_fixture_pii_is_searched() -> None:
    pii = fixture_pii()
    assert {"172.18.0.1", "192.168.1.1", "bmtcril", "xiajul7", "test123"} <= pii.tokens
    assert {"edx", "staff", "student"}.isdisjoint(pii.tokens)


@pytest.mark.parametrize("value", ["s3cr3t-p@ss", "s3cr3t-p%40ss", "topsecret"])
def test_secrets_are_found_inside_words(value: str) -> None:
    assert known_pii().find(f"url=clickhouse://oars:{value}@127.0.0.1") == [value]
