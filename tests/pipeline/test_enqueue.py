"""enqueue_on_commit: a broker that refuses a message never fails the platform's commit."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from celery import Celery
from django.db import transaction

from oars_platform.tasks.base import enqueue_on_commit

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_refused_send_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    # A real Celery app whose broker is a closed port: sending raises kombu's OperationalError.
    app = Celery("refusing", broker="redis://127.0.0.1:1/0", set_as_current=False)
    app.conf.broker_connection_retry = False
    app.conf.broker_transport_options = {"max_retries": 0}

    @app.task(name="oars_test.refused")
    def refused(value: Any) -> None:  # never runs: it cannot be sent
        raise AssertionError(value)

    with caplog.at_level(logging.ERROR, logger="oars_platform.tasks.base"), transaction.atomic():
        enqueue_on_commit(refused, 7)
    messages = [record.getMessage() for record in caplog.records if record.name == "oars_platform.tasks.base"]
    assert len(messages) == 1
    assert "could not send task oars_test.refused" in messages[0]
    assert "dump_data_to_clickhouse" in messages[0]
