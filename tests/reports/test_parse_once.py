"""Migration 0010's views (one parse of the common fields) fill every report table exactly as 0008's views did.

The corpus is every reference statement of event-routing-backends, the benchmark's generated statements, and odd
variants of them (fields missing, of the wrong type, objects where arrays belong, not JSON at all), because the
promise is identical rows for *any* statement, not only well-formed ones. 0008's SELECTs are run directly over the
raw table as the reference; the report tables are what 0010's views wrote.
"""

from __future__ import annotations

import copy
import datetime as dt
import importlib
import json
import random
import uuid
from typing import Any

from benchmarks.bench_reports import COURSES, DAYS, LEARNERS, LMS, STATEMENTS
from oars_platform.clickhouse.ddl import RunSQL, Topology
from tests.logcheck import FIXTURES

OLD = importlib.import_module("oars_platform.clickhouse.migrations.0008_create_report_tables")
NEW = importlib.import_module("oars_platform.clickhouse.migrations.0010_parse_statements_once_for_reports")
#: The report tables whose views 0010 replaced.
TABLES = (OLD.EVENTS_PARSED, OLD.ENROLLMENT, OLD.VIDEO, OLD.PROBLEM, OLD.NAVIGATION, OLD.GRADING, OLD.COMPLETION,
          OLD.FORUM)
ERB = FIXTURES / "expected"
WHEN = dt.datetime(2026, 3, 1, 12, 0, 0, 123456)


def _reference_statements() -> list[dict[str, Any]]:
    statements = []
    for path in sorted(ERB.glob("*.json")):
        loaded = json.loads(path.read_text())
        statements += loaded if isinstance(loaded, list) else [loaded]
    return statements


def _odd_variants(statement: dict[str, Any]) -> list[Any]:
    """Each variant breaks one thing the views read: a missing or mistyped field, a list as an object and back."""
    variants: list[Any] = []

    def variant(change) -> None:
        copied = copy.deepcopy(statement)
        change(copied)
        variants.append(copied)

    variant(lambda s: s.pop("verb", None))
    variant(lambda s: s.update(verb={"id": 42}))
    variant(lambda s: s.update(actor={"mbox": "mailto:a@example.org"}))
    variant(lambda s: s.update(actor={"mbox_sha1sum": 7, "account": {"name": ""}}))
    variant(lambda s: s.update(actor=[1, 2]))
    variant(lambda s: s.update(object="not an object"))
    variant(lambda s: s.get("object", {}).update(definition={"type": ["a"], "extensions": None}))
    context = statement.get("context", {}).get("contextActivities", {})
    if "parent" in context:
        variant(lambda s: s["context"]["contextActivities"].update(parent=context["parent"][0]))
        variant(lambda s: s["context"]["contextActivities"].update(parent=[]))
    variant(lambda s: s.setdefault("context", {}).update(contextActivities={"grouping": {"id": "g", "x": {"id": 1}}}))
    variant(lambda s: s.update(result={"success": "yes", "score": {"scaled": "0.5"}, "completion": 1,
                                       "extensions": {f"{OLD.VIDEO_EXT}time": "12", f"{OLD.VIDEO_EXT}cc-enabled": 1}}))
    variant(lambda s: s.update(result=None))
    variant(lambda s: s.setdefault("context", {}).update(statement={"id": "x"}))
    return variants


def _corpus(client) -> list[tuple[str, dt.datetime, str]]:
    generated = client.query(
        "SELECT event FROM (" + STATEMENTS.format(courses=COURSES, lms=LMS, learners=LEARNERS, days=DAYS, total=400,
                                                  start=0, count=400) + ")"
    ).rows
    base = _reference_statements() + [json.loads(row[0]) for row in generated]
    bodies = [json.dumps(s) for s in base]
    bodies += [json.dumps(v) for s in base[:: max(1, len(base) // 60)] for v in _odd_variants(s)]
    bodies += ["", "not json", "[]", "null", '{"verb": {"id": "http://adlnet.gov/expapi/verbs/registered"}',
               '{"verb": {"id": "a"}, "verb": {"id": "b"}}']
    return [(str(uuid.uuid4()), WHEN + dt.timedelta(seconds=n), body) for n, body in enumerate(bodies)]


def _rows(client, sql: str) -> list[tuple]:
    return sorted(tuple(str(value) for value in row) for row in client.query(sql).rows)


def test_report_tables_match_the_0008_views_over_odd_and_normal_statements(clickhouse) -> None:
    """An install upgraded from 0008's views keeps its rows, and every row 0010's views add is the one 0008 made."""
    client, db = clickhouse.client, clickhouse.databases

    def render(sql: str) -> str:
        (rendered,) = RunSQL(sql).render(db, Topology())
        return rendered

    # Back to the schema before 0010: 0008's views on the raw table, no statement_fields.
    for view in [f"{table.name}_fields_mv" for table in TABLES] + ["problem_learner_state_fields_mv",
                                                                       "statement_fields_mv", "statement_fields"]:
        client.execute(f"DROP TABLE `{db.oars}`.`{view}`")
    for sql in OLD.OPERATIONS:
        if isinstance(sql, RunSQL):
            client.execute(render(sql.template))
    corpus = _corpus(client)
    random.Random(5).shuffle(corpus)  # reference, generated and odd statements on both sides of the upgrade
    half = len(corpus) // 2
    client.insert(f"`{db.xapi}`.xapi_events_all", ("event_id", "emission_time", "event"), corpus[:half])
    for _ in range(2):  # the upgrade, then a re-run of it, which is a no-op
        for operation in NEW.OPERATIONS:
            client.execute(render(operation.template))
    views = {row[0] for row in client.query(
        f"SELECT name FROM system.tables WHERE database = '{db.oars}' AND engine = 'MaterializedView'").rows}
    assert views.isdisjoint({f"{table.name}_mv" for table in TABLES} | {"problem_learner_state_mv"}), views
    client.insert(f"`{db.xapi}`.xapi_events_all", ("event_id", "emission_time", "event"), corpus[half:])

    for table in TABLES:
        names = ", ".join(name for name, _ in table.columns)
        expected = _rows(client, f"SELECT {names} FROM ({render(table.body)})")
        actual = _rows(client, f"SELECT {names} FROM `{db.oars}`.`{table.name}` FINAL")
        assert actual == expected, table.name
        assert expected, f"the corpus reaches {table.name}"
    merged = ("SELECT org, course_key, problem_id, actor_id, uniqExactMerge(submissions), argMinMerge(first_success),"
              " maxMerge(ever_success), minMerge(first_time) FROM {source} GROUP BY org, course_key, problem_id,"
              " actor_id")
    expected = _rows(client, merged.format(source=f"({render(OLD.PROBLEM_STATE_SELECT)})"))
    assert expected
    assert _rows(client, merged.format(source=f"`{db.oars}`.`problem_learner_state`")) == expected
