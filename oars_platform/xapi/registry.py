"""One registry from event name to transformer function.

A transformer is a plain function `(event, builder) -> list[statement dict]`. Families register with a decorator;
registering a name twice raises (ERB silently replaces the first with an info log, which hides mistakes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from oars_platform.xapi.common import StatementBuilder
from oars_platform.xapi.inputs import Event

Transformer = Callable[[Event, StatementBuilder], list[dict[str, Any]]]


class DuplicateEventError(ValueError):
    """Two transformers claimed the same event name."""


class Registry:
    """Event name → transformer. Lookups are a plain dict access: this sits on the hot path."""

    def __init__(self) -> None:
        self._by_name: dict[str, Transformer] = {}

    def register(self, *names: str) -> Callable[[Transformer], Transformer]:
        """Decorator registering `fn` for each of `names`."""

        def decorator(fn: Transformer) -> Transformer:
            for name in names:
                if name in self._by_name:
                    raise DuplicateEventError(f"{name!r} is already registered to {self._by_name[name].__name__}")
                self._by_name[name] = fn
            return fn

        return decorator

    def get(self, name: str) -> Transformer | None:
        """The transformer for `name`, or None."""
        return self._by_name.get(name)

    def names(self) -> Iterator[str]:
        """Every registered name."""
        return iter(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self._by_name)


REGISTRY = Registry()
register = REGISTRY.register
