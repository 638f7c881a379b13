"""Build aspects-dbt's compiled models on a ClickHouse the way ``dbt run`` with dbt-clickhouse would.

``dbt run`` needs a ClickHouse server it can connect to; the embedded engine has none, so the statements that
dbt-clickhouse's materializations issue for a first run are issued here from the compiled manifest, in dependency
order: a view is ``CREATE OR REPLACE VIEW``; a materialized view is its target table (created empty with the model's
engine, keys, partition and TTL, then filled by ``INSERT ... SELECT``: dbt's catch-up) and one ``<name>_mv`` view per
``--name:begin``/``--name:end`` section (or ``_mv`` for the whole query) writing to it; a dictionary is
``CREATE OR REPLACE DICTIONARY`` with a ClickHouse source of the model's query. Post-hooks run after each model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.aspects.assets import manifest


@dataclass(frozen=True)
class Model:
    name: str
    relation: str  # `database`.`name`
    database: str
    materialized: str
    config: dict[str, Any]
    sql: str
    depends_on: tuple[str, ...]


def models() -> list[Model]:
    """The project's models in an order where each comes after the models it reads."""
    nodes = {key: node for key, node in manifest()["nodes"].items() if node["resource_type"] == "model"}
    ordered: list[str] = []

    def visit(key: str) -> None:
        if key in ordered:
            return
        for dependency in nodes[key]["depends_on"]["nodes"]:
            if dependency in nodes:
                visit(dependency)
        ordered.append(key)

    for key in sorted(nodes):
        visit(key)
    return [Model(name=nodes[key]["name"], relation=nodes[key]["relation_name"], database=nodes[key]["schema"],
                  materialized=nodes[key]["config"]["materialized"], config=nodes[key]["config"],
                  sql=nodes[key]["compiled_code"],
                  depends_on=tuple(nodes[dep]["name"] for dep in nodes[key]["depends_on"]["nodes"] if dep in nodes))
            for key in ordered]


def _clause(label: str, value: Any) -> str:
    if value in (None, "", []):
        return ""
    if isinstance(value, list):
        value = ", ".join(value)
    return f" {label} {value}"


def _wrapped(label: str, value: Any) -> str:
    if value in (None, "", []):
        return ""
    items = value if isinstance(value, list) else [value]
    return f" {label} ({', '.join(items)})"


def _views(model: Model) -> dict[str, str]:
    names = re.findall(r"--(?:\s)?([^:]+):begin", model.sql)
    if not names:
        return {"mv": model.sql}
    return {name: re.findall(rf"--(?:\s)?{name}:begin(.*)--(?:\s)?{name}:end", model.sql, flags=re.DOTALL)[0]
            for name in names}


def statements(model: Model) -> list[str]:
    """What dbt-clickhouse sends for a first run of this model (no cluster, no contract)."""
    config = model.config
    if model.materialized == "view":
        return [f"create or replace view {model.relation} as (\n{model.sql}\n)"]
    if model.materialized == "dictionary":
        fields = ", ".join(f"{name} {data_type}" for name, data_type in config["fields"])
        return [f"CREATE OR REPLACE DICTIONARY {model.relation} ({fields})"
                f"{_clause('primary key', config.get('primary_key'))}"
                f" SOURCE(CLICKHOUSE(user 'default' query \"{model.sql}\"))"
                f" LAYOUT({config['layout']}) LIFETIME({config['lifetime']})"]
    if model.materialized == "materialized_view":
        engine = config.get("engine") or "MergeTree()"
        order_by = config.get("order_by") or ("tuple()" if "MergeTree" in engine else None)
        keys = (f"{_wrapped('order by', order_by)}{_clause('primary key', config.get('primary_key'))}"
                f"{_wrapped('partition by', config.get('partition_by'))}{_clause('ttl', config.get('ttl'))}")
        create = f"create table {model.relation} engine = {engine}{keys} empty as (\n{model.sql}\n)"
        found = [create, f"insert into {model.relation} {model.sql}"]
        database, table = model.relation.replace("`", "").split(".")
        for suffix, view_sql in _views(model).items():
            found.append(f"create materialized view if not exists `{database}`.`{table}_{suffix}` "
                         f"to {model.relation} as {view_sql}")
        return found
    raise ValueError(f"materialization {model.materialized!r} of {model.name} is not handled here")


def post_hooks(model: Model) -> list[str]:
    """The model's post-hooks with dbt's ``this`` and ``on_cluster()`` (no cluster) filled in."""
    hooks = []
    for hook in model.config.get("post-hook", []):
        sql = hook["sql"] if isinstance(hook, dict) else hook
        sql = re.sub(r"\{\{\s*this\s*\}\}", model.relation, sql)
        hooks.append(re.sub(r"\{\{\s*on_cluster\(\)\s*\}\}", "", sql))
    return hooks


def build(client, model: Model) -> None:
    """Create the model's database (dbt creates schemas first), then its objects, then its post-hooks."""
    client.execute(f"CREATE DATABASE IF NOT EXISTS `{model.database}`")
    for sql in [*statements(model), *post_hooks(model)]:
        client.execute(sql)
