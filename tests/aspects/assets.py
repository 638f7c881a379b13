"""Aspects' own SQL, read from the published packages that scripts/lib.sh ``ensure_aspects_compat`` fetched.

Nothing of tutor-contrib-aspects or aspects-dbt is kept in this repository: the compatibility suite reads the
unpacked ``tutor-contrib-aspects`` wheel and the dbt manifest compiled from the shared/ fixture, and renders them as
their own tools would — Tutor's Jinja with the plugin's default configuration, then Superset's Jinja macros with no
filter chosen, Alembic's ``op.execute`` statements in revision order.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import types
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPAT_DIR = Path(os.environ.get("OARS_ASPECTS_COMPAT_DIR", ROOT / ".cache" / "aspects-compat"))
PACKAGE = COMPAT_DIR / "package" / "tutoraspects"
TEMPLATES = PACKAGE / "templates"
MIGRATIONS = TEMPLATES / "aspects" / "apps" / "aspects" / "migrations" / "alembic" / "versions"
ASSETS = TEMPLATES / "aspects" / "build" / "aspects-superset" / "openedx-assets" / "assets"
MANIFEST = COMPAT_DIR / "dbt-target" / "manifest.json"
EMBEDDED_ENGINE_CONFIG = {"CLICKHOUSE_ADMIN_USER": "default", "CLICKHOUSE_ADMIN_PASSWORD": ""}


def ensure_built() -> None:
    """Build (or find, by its stamp) the suite's inputs with the same shell function CI runs; fail loudly."""
    done = subprocess.run(["bash", "-c", 'source scripts/lib.sh && ensure_aspects_compat'], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200, check=False)
    if done.returncode or not MANIFEST.is_file() or not MIGRATIONS.is_dir():
        raise RuntimeError(f"ensure_aspects_compat failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


@cache
def tutor_config() -> dict[str, Any]:
    """tutor-contrib-aspects' default configuration, read from its plugin module as Tutor would load it.

    The defaults are ``("NAME", value)`` pairs in ``plugin.py``; values that are templates themselves (the admin
    password's ``{{ 24|random_string }}``) are rendered once, as Tutor does when it saves the configuration.
    """
    tree = ast.parse((PACKAGE / "plugin.py").read_text())
    config: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple) and len(node.elts) == 2 and isinstance(node.elts[0], ast.Constant):
            name = node.elts[0].value
            if isinstance(name, str) and name.isupper():
                try:
                    config.setdefault(name, ast.literal_eval(node.elts[1]))
                except ValueError:
                    continue
    env = _tutor_env(undefined=jinja2.Undefined)  # values naming Tutor's core settings; none the SQL reads
    for name, value in list(config.items()):
        if isinstance(value, str) and "{{" in value:
            config[name] = env.from_string(value).render(**config)
    # The one setting changed from Aspects' defaults, as an operator sets it in Tutor's config: the embedded engine
    # has a single user and no access control, and Aspects' dictionaries read their sources as the admin user.
    config.update(EMBEDDED_ENGINE_CONFIG)
    return config


def _tutor_env(undefined: type[jinja2.Undefined] = jinja2.StrictUndefined) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), undefined=undefined,
                             keep_trailing_newline=True)
    env.filters["random_string"] = lambda length: "x" * int(length)
    # Tutor's ``patch(name)``: what the installed plugins contribute there; here Aspects alone, from its patches/.
    env.globals["patch"] = lambda name: (env.from_string((PACKAGE / "patches" / name).read_text()).render(
        **tutor_config()) if (PACKAGE / "patches" / name).is_file() else "")
    return env


def render_tutor(text: str) -> str:
    return _tutor_env().from_string(text).render(**tutor_config())


@dataclass(frozen=True)
class Revision:
    revision: str
    statements: tuple[str, ...]


class _RecordingOp:
    """Alembic's ``op`` as far as Aspects' scripts use it: ``execute`` of SQL text, recorded in order."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def execute(self, sql: Any, *args: Any, **kwargs: Any) -> None:
        self.statements.append(str(sql))


def alembic_revisions() -> list[Revision]:
    """Every Alembic revision's upgrade statements, rendered, in the order of the ``down_revision`` chain.

    Each script is rendered by Tutor's Jinja, then run with an ``op`` that records what ``op.execute`` receives
    (the scripts only execute SQL); ``alembic``/``sqlalchemy`` imports get empty stand-in modules.
    """
    loaded: dict[str, tuple[str | None, tuple[str, ...]]] = {}
    for path in sorted(MIGRATIONS.glob("[0-9]*.py")):
        op = _RecordingOp()
        stand_ins = {name: types.ModuleType(name) for name in ("alembic", "sqlalchemy", "clickhouse_sqlalchemy")}
        stand_ins["alembic"].op = op  # type: ignore[attr-defined]
        saved = {name: sys.modules.get(name) for name in stand_ins}
        sys.modules.update(stand_ins)
        try:
            namespace: dict[str, Any] = {"__name__": f"aspects_alembic_{path.stem}"}
            exec(compile(render_tutor(path.read_text()), str(path), "exec"), namespace)
            namespace["upgrade"]()
        finally:
            for name, module in saved.items():
                if module is None:
                    sys.modules.pop(name, None)
                else:
                    sys.modules[name] = module
        loaded[namespace["revision"]] = (namespace["down_revision"], tuple(op.statements))
    order: list[Revision] = []
    previous: str | None = None
    while len(order) < len(loaded):
        (revision,) = [rev for rev, (down, _) in loaded.items() if down == previous]
        order.append(Revision(revision, loaded[revision][1]))
        previous = revision
    return order


@dataclass(frozen=True)
class Dataset:
    name: str
    sql: str


def _superset_env() -> jinja2.Environment:
    """Superset's Jinja context as a chart with no filter chosen sees it."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)

    def where_in(values: list[Any]) -> str:
        return "(" + ", ".join("'" + str(value).replace("'", "''") + "'" for value in values) + ")"

    env.filters["where_in"] = where_in
    env.globals.update(filter_values=lambda column, default=None, remove_filter=False: [],
                       url_param=lambda name, default=None, *a, **k: default,
                       get_filters=lambda column, remove_filter=False: [])
    return env


@dataclass(frozen=True)
class Datasets:
    clickhouse: list[Dataset]
    elsewhere: list[str]  # names of datasets on Superset's own metadata database


def datasets() -> Datasets:
    """Superset's datasets, split by database: those on ClickHouse with their SQL rendered, and the others' names.

    A dataset without SQL is a physical one: Superset reads its ``schema.table_name`` whole.
    """
    clickhouse = yaml.safe_load(render_tutor((ASSETS / "databases" / "OpenedX_Clickhouse.yaml").read_text()))["uuid"]
    found = Datasets([], [])
    for path in sorted((ASSETS / "datasets").glob("*.yaml")):
        spec = yaml.safe_load(render_tutor(path.read_text()))
        if spec["database_uuid"] != clickhouse:
            found.elsewhere.append(spec["table_name"])
            continue
        sql = spec["sql"] or f"SELECT * FROM `{spec['schema']}`.`{spec['table_name']}`"
        found.clickhouse.append(Dataset(spec["table_name"], _superset_env().from_string(sql).render()))
    return found


@cache
def manifest() -> dict[str, Any]:
    return json.loads(MANIFEST.read_text())


def init_databases() -> list[str]:
    """The ``CREATE DATABASE`` statements of Aspects' ClickHouse init job (its users and grants are not schema)."""
    script = render_tutor((TEMPLATES / "aspects" / "jobs" / "init" / "clickhouse" / "init-clickhouse.sh").read_text())
    return re.findall(r"CREATE DATABASE IF NOT EXISTS [^;]+", script)
