"""What every dead-letter test does: take ClickHouse away, replay one kind, read what is still to do.

``replay_failed_events`` and ``oars_status`` run through ``call_command``, as an operator's ``manage.py`` runs them:
a ``CommandError`` there is the one-line message and exit code the operator sees.
"""

from __future__ import annotations

import contextlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.servers import free_port


def clickhouse_down(settings) -> str:
    """Point the plugin at a port nobody listens on (quickly refused); return the good URL to restore."""
    good_url = settings.OARS_CLICKHOUSE_URL
    settings.OARS_CLICKHOUSE_URL = f"clickhouse://oars:pw@127.0.0.1:{free_port()}/default"
    settings.OARS_CLICKHOUSE_CONNECT_TIMEOUT = 0.5
    return good_url


def replay(kind: str) -> str:
    """Run ``replay_failed_events --kind KIND``; its output."""
    out = StringIO()
    call_command("replay_failed_events", "--kind", kind, stdout=out)
    return out.getvalue()


def replay_fails(kind: str) -> str:
    """Run ``replay_failed_events --kind KIND`` expecting it to stop: its one-line error (exit code 1)."""
    with pytest.raises(CommandError) as failure:
        replay(kind)
    message = str(failure.value)
    assert failure.value.returncode == 1
    assert "\n" not in message
    assert "still fails" in message and "pw@" not in message
    return message


def waiting(kind: str) -> int:
    """Dead letters of ``kind`` still to replay, as ``oars_status --json`` reports them."""
    out = StringIO()
    with contextlib.suppress(CommandError):  # unhealthy (ClickHouse down): the facts, dead letters too, come first
        call_command("oars_status", "--json", stdout=out)
    status = json.loads(out.getvalue())
    assert status["dead_letters"] == sum(status["dead_letters_by_kind"].values())
    return status["dead_letters_by_kind"][kind]
