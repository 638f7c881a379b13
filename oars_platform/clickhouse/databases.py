"""The three ClickHouse databases the plugin writes, by role (names come from settings, validated there)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Databases:
    """The three ClickHouse databases we write, by role."""

    xapi: str
    event_sink: str
    oars: str
