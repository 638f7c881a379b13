"""Transformation settings. Built once by the caller (from Django settings, CLI flags...) and passed in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from oars_platform import __version__
from oars_platform.xapi.iri import is_absolute_iri


class ActorMode(StrEnum):
    """How the learner is identified (contract §0 rule 3; ERB's `XAPI_AGENT_IFI_TYPE`)."""

    EXTERNAL_ID = "external_id"  # account {homePage: LMS root, name: xAPI external id}; anonymous, the default
    MBOX = "mbox"  # mbox "mailto:<email>"
    MBOX_SHA1SUM = "mbox_sha1sum"  # sha1 hex of "mailto:<email>" (the xAPI spec; ERB hashes the bare email)


@dataclass(frozen=True, slots=True)
class TransformConfig:
    """Everything a transform needs besides the events and the lookups.

    `enabled_events` None means every supported event name; a set restricts to those names. Page views are
    governed by `page_views_enabled` alone, since they are not a fixed list of names. `max_event_bytes` bounds the
    size of one input event (its text, or its JSON for dict inputs); 0 disables the check.
    """

    lms_root_url: str
    actor_mode: ActorMode = ActorMode.EXTERNAL_ID
    page_views_enabled: bool = False
    enabled_events: frozenset[str] | None = None
    max_event_bytes: int = 256 * 1024
    transformer_version: str = f"oars-platform@{__version__}"

    def __post_init__(self) -> None:
        """Fail at startup, not per event: a bad root would make every object id invalid."""
        root = self.lms_root_url
        if not is_absolute_iri(root) or not root.startswith(("http://", "https://")) or root.endswith("/"):
            raise ValueError("lms_root_url must be an http(s) URL without a trailing slash")
        object.__setattr__(self, "actor_mode", ActorMode(self.actor_mode))
        if self.enabled_events is not None:
            object.__setattr__(self, "enabled_events", frozenset(self.enabled_events))
