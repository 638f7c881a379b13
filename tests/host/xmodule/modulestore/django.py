"""``xmodule.modulestore.django``: the ``modulestore()`` singleton and the modulestore Django signals (§3.3).

``course_published`` is sent with ``send_robust(sender=<store class>, course_key=...)`` at the end of the outermost
bulk operation that published something; receivers connect to ``SignalHandler.course_published`` or to the module
alias ``COURSE_PUBLISHED``.
"""

import logging
from typing import Any

import django.dispatch

log = logging.getLogger(__name__)


class SwitchedSignal(django.dispatch.Signal):
    """A Django signal that tests can switch off, as in the platform."""

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name
        self._allow_signals = True

    def disable(self) -> None:
        self._allow_signals = False

    def enable(self) -> None:
        self._allow_signals = True

    def send(self, *args: Any, **kwargs: Any) -> list:
        return super().send(*args, **kwargs) if self._allow_signals else []

    def send_robust(self, *args: Any, **kwargs: Any) -> list:
        return super().send_robust(*args, **kwargs) if self._allow_signals else []

    def __repr__(self) -> str:
        return f"SwitchedSignal('{self.name}')"


class SignalHandler:
    """The store's signals; an instance sends them with the modulestore class as sender."""

    course_deleted = SwitchedSignal("course_deleted")
    course_published = SwitchedSignal("course_published")
    item_deleted = SwitchedSignal("item_deleted")
    library_updated = SwitchedSignal("library_updated")
    pre_item_delete = SwitchedSignal("pre_item_delete")
    pre_publish = SwitchedSignal("pre_publish")

    _mapping = {
        signal.name: signal
        for signal in [course_deleted, course_published, item_deleted, library_updated, pre_item_delete, pre_publish]
    }

    def __init__(self, modulestore_class: type) -> None:
        self.modulestore_class = modulestore_class

    @classmethod
    def all_signals(cls) -> list[SwitchedSignal]:
        return list(cls._mapping.values())

    @classmethod
    def signal_by_name(cls, signal_name: str) -> SwitchedSignal:
        return cls._mapping[signal_name]

    def send(self, signal_name: str, **kwargs: Any) -> None:
        """Send robustly (receiver errors are logged, never raised), like the platform."""
        responses = self._mapping[signal_name].send_robust(sender=self.modulestore_class, **kwargs)
        for receiver, response in responses:
            if isinstance(response, Exception):
                log.error("Receiver %s of %s failed: %r", receiver, signal_name, response)


# Module-level aliases (COURSE_PUBLISHED, COURSE_DELETED, ...), as the platform creates them.
COURSE_DELETED = SignalHandler.course_deleted
COURSE_PUBLISHED = SignalHandler.course_published
ITEM_DELETED = SignalHandler.item_deleted
LIBRARY_UPDATED = SignalHandler.library_updated
PRE_ITEM_DELETE = SignalHandler.pre_item_delete
PRE_PUBLISH = SignalHandler.pre_publish

_MODULESTORE = None


def modulestore():
    """The process-wide store; created on first use."""
    global _MODULESTORE  # noqa: PLW0603
    if _MODULESTORE is None:
        from xmodule.modulestore.mixed import MixedModuleStore

        _MODULESTORE = MixedModuleStore(SignalHandler(MixedModuleStore))
    return _MODULESTORE


def clear_existing_modulestores() -> None:
    """Forget the singleton (the platform's test helper of the same name); the next call builds an empty store."""
    global _MODULESTORE  # noqa: PLW0603
    _MODULESTORE = None
