"""Hostile or wrong setting values are refused at start-up, by name, with the bad value shown (URLs masked).

Identifiers reach SQL text (database, table and cluster names cannot be bound parameters), so they are checked
against a strict pattern; every other setting is checked for its type and range, so a typo fails ``manage.py
check`` instead of a worker at 3 a.m. Plus the guard that every value in our SQL is a bound parameter.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from oars_platform.checks import check_settings
from oars_platform.clickhouse.sql import identifier
from oars_platform.conf import build_config

ROOT = Path(__file__).resolve().parents[2]

HOSTILE_IDENTIFIERS = ["xapi; DROP TABLE x", "xapi`--", "x'y", 'x"y', "xäpi", "", "a" * 64, "my cluster", "1xapi",
                       "xapi\n", "xapi.events", "x-y", "{xapi}"]
IDENTIFIER_SETTINGS = ["OARS_XAPI_DATABASE", "OARS_EVENT_SINK_DATABASE", "OARS_DATABASE", "OARS_CLICKHOUSE_CLUSTER"]

WRONG = [
    ("OARS_BATCH_SIZE", 0), ("OARS_BATCH_SIZE", -5), ("OARS_BATCH_SIZE", "1000"), ("OARS_BATCH_SIZE", True),
    ("OARS_COURSE_DUMP_BATCH_SIZE", 0), ("OARS_QUARANTINE_RAW_MAX_BYTES", -1), ("OARS_MAX_EVENT_BYTES", 0),
    ("OARS_LOOKUP_CACHE_SIZE", 0), ("OARS_TASK_MAX_RETRIES", -1), ("OARS_TASK_MAX_RETRIES", 2.5),
    ("OARS_DATA_TTL_MONTHS", -1), ("OARS_DATA_TTL_MONTHS", "12"),
    ("OARS_CLICKHOUSE_CONNECT_TIMEOUT", "ten"), ("OARS_CLICKHOUSE_CONNECT_TIMEOUT", 0),
    ("OARS_CLICKHOUSE_SEND_RECEIVE_TIMEOUT", -1), ("OARS_CLICKHOUSE_SEND_RECEIVE_TIMEOUT", float("nan")),
    ("OARS_BATCH_INTERVAL", 0), ("OARS_BATCH_INTERVAL", float("inf")), ("OARS_CLAIM_IDLE_SECONDS", "60"),
    ("OARS_RETRY_BACKOFF_MAX", None), ("OARS_LOOKUP_CACHE_TTL", -1), ("OARS_COURSE_DUMP_DELAY", "soon"),
    ("OARS_XAPI_ACTOR_MODE", "username"), ("OARS_XAPI_ACTOR_MODE", ""),
    ("OARS_XAPI_ENABLED_EVENTS", "play_video"), ("OARS_XAPI_ENABLED_EVENTS", [1, 2]),
    ("OARS_PII_ENABLED", "false"), ("OARS_PAGE_VIEWS_ENABLED", 1), ("OARS_TRACKING_SIGNAL_ENABLED", None),
    ("OARS_COURSE_DUMP_ENABLED", "yes"),
    ("OARS_LMS_ROOT_URL", "javascript:alert(1)"), ("OARS_LMS_ROOT_URL", "lms.example.com"),
    ("OARS_LMS_ROOT_URL", "http://lms example.com"),
    ("OARS_REDIS_URL", "http://127.0.0.1:6379"), ("OARS_REDIS_KEY_PREFIX", "oars prefix"),
    ("OARS_REDIS_KEY_PREFIX", ""), ("OARS_CELERY_QUEUE", "queue with spaces"), ("OARS_CELERY_QUEUE", "q;rm -rf"),
    ("OARS_COURSE_DUMP_CACHE", "no-such-cache"),
    ("OARS_CLICKHOUSE_URL", "mysql://root@127.0.0.1/db"), ("OARS_CLICKHOUSE_URL", "clickhouse:///no-host"),
    ("OARS_CLICKHOUSE_URL", "chdb://relative/path"), ("OARS_CLICKHOUSE_URL", "clickhouse://h:port/"),
    ("OARS_CLICKHOUSE_URL", "clickhouse://u:p@h:9000/ x"),
]


def _refused(settings, name: str, value: object) -> str:
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured) as raised:
        build_config()
    messages = check_settings()
    assert [message.id for message in messages] == ["oars.E000"]
    assert messages[0].msg == str(raised.value)
    return str(raised.value)


#: Every hostile identifier in every identifier setting (an empty cluster name means "no cluster": valid).
IDENTIFIER_CASES = [(name, value) for name in IDENTIFIER_SETTINGS for value in HOSTILE_IDENTIFIERS
                    if (name, value) != ("OARS_CLICKHOUSE_CLUSTER", "")]


@pytest.mark.parametrize(("name", "value"), IDENTIFIER_CASES)
def test_hostile_identifiers_are_refused_by_name(settings, name: str, value: str) -> None:
    message = _refused(settings, name, value)
    assert name in message and repr(value) in message


@pytest.mark.parametrize(("name", "value"), WRONG, ids=[f"{name}={value!r}" for name, value in WRONG])
def test_wrong_values_are_refused_by_name(settings, name: str, value: object) -> None:
    message = _refused(settings, name, value)
    assert name in message


def test_a_bad_clickhouse_url_is_shown_masked(settings) -> None:
    message = _refused(settings, "OARS_CLICKHOUSE_URL", "clickhous://oars:s3cr3t-pw@db.example.org:9000/")
    assert "s3cr3t-pw" not in message
    assert "oars:***@db.example.org" in message
    message = _refused(settings, "OARS_REDIS_URL", "http://user:s3cr3t-pw@127.0.0.1/")
    assert "s3cr3t-pw" not in message


@pytest.mark.parametrize("value", ["xapi", "_x", "a" * 63, "Xapi_2"])
def test_plain_identifiers_are_accepted(settings, value: str) -> None:
    settings.OARS_XAPI_DATABASE = value
    settings.OARS_CLICKHOUSE_CLUSTER = value
    assert build_config().databases.xapi == value


@pytest.mark.parametrize("value", ["xapi\n", "a b", "", "x`y", None, 5])
def test_sql_identifier_quoting_refuses_anything_but_a_plain_name(value: object) -> None:
    with pytest.raises(ValueError, match="identifier"):
        identifier(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "value", "shown"), [
    ("OARS_XAPI_DATABASE", "xapi; DROP TABLE x", "'xapi; DROP TABLE x'"),
    ("OARS_CLICKHOUSE_CLUSTER", "my cluster", "'my cluster'"),
    ("OARS_BATCH_SIZE", 0, "got 0"),
    ("OARS_CLICKHOUSE_URL", "clickhous://oars:s3cr3t-pw@db:9000/", "oars:***@db"),
])
def test_manage_py_check_of_a_site_fails_at_start_up(tmp_path, name: str, value: object, shown: str) -> None:
    """A real start-up: the stand-in LMS's production settings from YAML, ``manage.py lms check``, exit 1."""
    config = {"OARS_CLICKHOUSE_URL": f"chdb://{tmp_path / 'chdb'}", "OARS_REDIS_URL": "redis://127.0.0.1:6379/15",
              name: value}
    path = tmp_path / "lms.yml"
    path.write_text(json.dumps(config))  # JSON is YAML
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "manage.py"), "lms", "--settings", "production", "check"],
        env={"PATH": "/usr/bin:/bin", "LMS_CFG": str(path), "PYTHONPATH": f"{ROOT / 'tests' / 'host'}:{ROOT}"},
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode != 0, completed.stdout
    assert "oars.E000" in completed.stderr and name in completed.stderr and shown in completed.stderr
    assert "s3cr3t-pw" not in completed.stderr + completed.stdout


#: Values formatted into SQL text: only identifiers (checked and quoted), integers and our own constants.
FORMATTED_SQL = re.compile(
    r"""f["'](?:SELECT|INSERT|ALTER|DELETE|CREATE|DROP|OPTIMIZE|TRUNCATE|SYSTEM|WITH)\b[^"']*\{""", re.IGNORECASE)


#: What our SQL f-strings may interpolate: checked identifiers and SQL fragments built from them (reviewed).
VETTED = {"name", "table", "target", "selected", "columns", "where", "key", "newest", "action", "settings", "RAW",
          "self.name", "courses", "parsed", "database", "topology.on_cluster", "self._where", "qualified",
          "column_list", "identifier", "dumps", "blocks", "superseded", "raw_table"}


def test_values_in_sql_are_bound_parameters() -> None:
    """Every one-line f-string SQL statement in the package interpolates only vetted names, never values.

    A new interpolation fails this test until it is reviewed and added to VETTED: identifiers go through
    ``sql.qualified`` or ``sql.identifier`` (or the validated database names), values through ``{name:Type}``
    parameters (``{{...}}`` in an f-string).
    """
    offenders = []
    for path in sorted((ROOT / "oars_platform").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if FORMATTED_SQL.search(line):
                text = line.replace("{{", "").replace("}}", "")
                for expression in re.findall(r"\{([^{}]+)\}", text):
                    base = re.split(r"[(\[!:]", expression, maxsplit=1)[0].strip()
                    if base not in VETTED:
                        offenders.append(f"{path.relative_to(ROOT)}:{number}: {{{expression}}}")
    assert offenders == []
