"""Feed the report tables through one parse of the common statement fields instead of one per view.

Why: 0008 gave every report table its own materialized view over ``xapi.xapi_events_all``, and each view
re-extracted the fields every table starts with (course IRI, actor, verb, object, object type: about ten
``JSONExtract*`` calls, each a full parse of the statement). A replay spent a large share of its engine time
there. Now one view (``statement_fields_mv``) extracts those fields once into ``oars.statement_fields``, a ``Null``
table (it stores nothing: it only hands each insert block on to its own views), and the per-table views read the
extracted columns from it. Fields only one table needs stay in that table's view, which evaluates them after its
``WHERE``, so for the few rows it keeps.

Identical results: the expressions are 0008's own, imported from it (the common ones moved, the others unchanged),
so every statement, odd ones included (missing fields, wrong types, objects where arrays belong), yields the same
row as before; ``tests/reports/test_views.py`` compares both definitions over a corpus. The report tables and their
data are untouched; only the views change.

No gap: the new views are created first (idle: nothing feeds ``statement_fields`` yet), then the one feeding it,
then 0008's views are dropped. Between the last two steps an insert reaches a table through both paths; the rows
are identical and collapse like any duplicate (every report table is duplicate-insensitive, see 0008). Dropping
and re-creating is used rather than ``ALTER TABLE … MODIFY QUERY`` because the source table changes too and the
views are new objects on every node; every statement is ``IF [NOT] EXISTS``, so a re-run is a no-op.
"""

from __future__ import annotations

import importlib

from oars_platform.clickhouse.ddl import RunSQL

_REPORTS = importlib.import_module("oars_platform.clickhouse.migrations.0008_create_report_tables")

RAW = _REPORTS.RAW
SOURCE = "{oars}.`statement_fields`"
OBJECT_TYPE = _REPORTS.OBJECT_TYPE
#: 0008's per-table column list starts with exactly this; the new views read these as columns instead.
COMMON_COLUMNS = "event_id,\n    emission_time,\n    course_key,\n    org,\n    verb_id,\n    actor_id,\n    object_id"

FIELD_COLUMNS = (
    ("event_id", "UUID"),
    ("emission_time", "DateTime64(6)"),
    ("event", "String"),
    ("course_key", "String"),
    ("org", "String"),
    ("verb_id", "String"),
    ("actor_id", "String"),
    ("object_id", "String"),
    ("object_type", "String"),
)
FIELDS_SELECT = "SELECT\n    " + _REPORTS.COMMON + ",\n    event,\n    " + OBJECT_TYPE + " AS object_type\nFROM " + RAW

TABLES = (
    _REPORTS.EVENTS_PARSED,
    _REPORTS.ENROLLMENT,
    _REPORTS.VIDEO,
    _REPORTS.PROBLEM,
    _REPORTS.NAVIGATION,
    _REPORTS.GRADING,
    _REPORTS.COMPLETION,
    _REPORTS.FORUM,
)


def from_fields(select: str) -> str:
    """0008's SELECT of one table, reading the common fields and the object type from ``statement_fields``."""
    if not select.startswith(_REPORTS.COMMON):
        raise ValueError("every 0008 table starts with its COMMON columns; this one does not")
    columns, _, where = (COMMON_COLUMNS + select[len(_REPORTS.COMMON):]).replace(OBJECT_TYPE, "object_type").partition(
        "\nWHERE "
    )
    return "SELECT\n    " + columns + "\nFROM " + SOURCE + ("\nWHERE " + where if where else "")


PROBLEM_STATE_SELECT = _REPORTS.PROBLEM_STATE_SELECT.replace(
    _REPORTS.PROBLEM.body, from_fields(_REPORTS.PROBLEM.select)
)


def _view(name: str, select: str) -> RunSQL:
    """The view filling report table ``name`` from ``statement_fields``; a new name, so it can sit beside 0008's."""
    return RunSQL(f"CREATE MATERIALIZED VIEW IF NOT EXISTS {{oars}}.`{name}_fields_mv`{{on_cluster}}\n"
                  "TO {oars}.`" + name + "`\nAS " + select)


OPERATIONS = [
    RunSQL(
        "CREATE TABLE IF NOT EXISTS {oars}.`statement_fields`{on_cluster}\n(\n"
        + ",\n".join(f"    `{name}` {type_}" for name, type_ in FIELD_COLUMNS)
        + "\n)\nENGINE = Null"
    ),
    *(_view(table.name, from_fields(table.select)) for table in TABLES),
    RunSQL(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`problem_learner_state_fields_mv`{on_cluster}\n"
        "TO {oars}.`problem_learner_state`\nAS " + PROBLEM_STATE_SELECT
    ),
    RunSQL(
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {oars}.`statement_fields_mv`{on_cluster}\n"
        "TO {oars}.`statement_fields`\nAS " + FIELDS_SELECT
    ),
    *(RunSQL(f"DROP VIEW IF EXISTS {{oars}}.`{name}_mv`{{on_cluster}}") for name in (t.name for t in TABLES)),
    RunSQL("DROP VIEW IF EXISTS {oars}.`problem_learner_state_mv`{on_cluster}"),
]
