"""Typed ClickHouse errors shared by both backends, so callers never see a driver's own exception classes.

The split matters to the pipeline: a :class:`ClickHouseUnavailable` is worth retrying later (the server is down or
unreachable), a :class:`ClickHouseQueryError` is not (the server understood us and said no).
"""

from __future__ import annotations


class ClickHouseError(Exception):
    """Base class of every error raised by the ClickHouse layer."""


class ClickHouseConfigError(ClickHouseError):
    """The ClickHouse URL or options are invalid (wrong scheme, missing path, bad option)."""


class ClickHouseUnavailable(ClickHouseError):
    """The server could not be reached or the connection broke: retry later."""


class ClickHouseQueryError(ClickHouseError):
    """The server rejected a statement; ``code`` is ClickHouse's error code when known."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
