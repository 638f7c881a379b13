"""The ClickHouse password never shows: not in oars_status, the system checks, errors, task logs or dead letters.

Each test runs against a URL that carries the test server's password: once unreachable, once the real
clickhouse-server of the session (tests/servers.py). Outputs, check messages, exception texts and every log record
of the test are searched for the password; the masked URL must be there instead (what an operator needs to see).
The suite-wide log check (tests/logcheck.py) searches the same records again, for every other test too.
"""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from oars_platform.clickhouse import ClickHouseError, from_url
from oars_platform.models import DeadLetter
from tests.servers import ClickHouseServer, free_port

PASSWORD = ClickHouseServer.password
FORMS = (PASSWORD, PASSWORD.replace("@", "%40"))


def unreachable_url() -> str:
    return f"clickhouse://oars:{PASSWORD.replace('@', '%40')}@127.0.0.1:{free_port()}/default"


def assert_secret_free(*texts: str) -> None:
    for text in texts:
        for form in FORMS:
            assert form not in text, text


def logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(caplog.handler.format(record) for record in caplog.records)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.fixture(params=["unreachable", "server"])
def url_with_password(request, settings) -> str:
    """The URL under test: nobody listening, or the session's clickhouse-server with the right password."""
    settings.OARS_CLICKHOUSE_CONNECT_TIMEOUT = 1
    url = unreachable_url() if request.param == "unreachable" else request.getfixturevalue("clickhouse_server").url
    settings.OARS_CLICKHOUSE_URL = url
    return url


def test_oars_status_shows_the_url_masked(url_with_password: str, debug_logs, db) -> None:
    for args in ((), ("--json",)):
        out, err = StringIO(), StringIO()
        with pytest.raises(CommandError) as error:  # not healthy: exit 1, a monitoring probe sees it
            call_command("oars_status", *args, stdout=out, stderr=err)
        assert "oars:***@127.0.0.1" in out.getvalue()
        assert "error" in out.getvalue()  # the pipeline tables are not there (or not reachable): said, masked
        assert_secret_free(out.getvalue(), err.getvalue(), str(error.value), logged(debug_logs))


def test_deploy_check_shows_the_url_masked(url_with_password: str, debug_logs) -> None:
    with pytest.raises(SystemCheckError) as error:
        call_command("check", tags=["oars"], deploy=True, stdout=StringIO(), stderr=StringIO())
    assert "oars:***@127.0.0.1" in str(error.value)
    assert_secret_free(str(error.value), logged(debug_logs))


def test_wrong_password_on_the_real_server(clickhouse_server: ClickHouseServer, settings, debug_logs) -> None:
    wrong = clickhouse_server.url.replace(PASSWORD.replace("@", "%40"), "wrong-secret")
    settings.OARS_CLICKHOUSE_URL = wrong
    with pytest.raises(SystemCheckError) as error:
        call_command("check", tags=["oars"], deploy=True, stdout=StringIO(), stderr=StringIO())
    assert "oars:***@127.0.0.1" in str(error.value)
    assert "wrong-secret" not in str(error.value) + logged(debug_logs)


def test_client_errors_never_carry_the_password(url_with_password: str, debug_logs) -> None:
    client = from_url(url_with_password, connect_timeout=1)
    messages = []
    for call in (
        lambda: client.query("SELECT * FROM no_such_database.no_such_table"),
        lambda: client.insert("no_such_database.t", ["a"], [(1,)]),
        lambda: client.execute("THIS IS NOT SQL"),
    ):
        with pytest.raises(ClickHouseError) as error:
            call()
        messages.append(f"{error.value!r} {error.value}")
    assert_secret_free(*messages, logged(debug_logs))
    if "unreachable" in messages[0]:
        assert "oars:***@127.0.0.1" in messages[0]


def test_a_failing_task_logs_and_dead_letters_without_the_password(
    url_with_password: str, settings, debug_logs, db
) -> None:
    from standin.factories import create_course_overview, create_user, enroll

    from oars_platform.tasks.learners import sync_learner_state

    settings.CELERY_EAGER_PROPAGATES_EXCEPTIONS = False  # let Celery retry and log, as on a worker
    settings.OARS_TASK_MAX_RETRIES = 1
    user = create_user()
    overview = create_course_overview()
    enroll(user, overview.id)
    DeadLetter.objects.all().delete()  # what the enrollment's own signal may have left
    debug_logs.clear()
    sync_learner_state.apply(args=(["course_enrollment"], user.id, str(overview.id), None))

    (letter,) = DeadLetter.objects.filter(task_name="oars_platform.sync_learner_state")
    assert letter.attempts == 2
    text = logged(debug_logs)
    assert "failed for good" in text  # the task's own log line: the records searched are the right ones
    assert_secret_free(letter.reason, str(letter.payload), text)
