"""Helpers for the few pieces of SQL text we build: identifiers only, never values."""

from __future__ import annotations

import re

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # fullmatch only: `$` lets a trailing newline in


def identifier(name: str) -> str:
    """Return ``name`` quoted with backticks after checking it is a plain identifier (raises ValueError if not)."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"Not a plain ClickHouse identifier: {name!r}")
    return f"`{name}`"


def qualified(database: str, table: str) -> str:
    """``database.table``, both parts checked and quoted."""
    return f"{identifier(database)}.{identifier(table)}"


def split_qualified(name: str) -> tuple[str, str]:
    """Split ``db.table`` (quoted or not) into its checked parts."""
    parts = name.replace("`", "").split(".")
    if len(parts) != 2:
        raise ValueError(f"Expected database.table, got {name!r}")
    identifier(parts[0])
    identifier(parts[1])
    return parts[0], parts[1]


def column_list(columns: list[str] | tuple[str, ...]) -> str:
    """A parenthesised, quoted column list for INSERT."""
    return "(" + ", ".join(identifier(column) for column in columns) + ")"
