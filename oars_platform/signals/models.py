"""Receivers on the platform's own models: profiles, external ids and content tags, kept live between backfills.

Nothing in openedx-events says "a profile changed" or "a tag was applied", so, like platform-plugin-aspects, the
plugin follows ``post_save`` (and, for object tags, ``post_delete``) of the models themselves:

* ``UserProfile`` and ``ExternalId`` → the learner's ``user_profile`` / ``external_id`` row (personal data: only with
  ``OARS_PII_ENABLED``; retired users are never written again, see :mod:`oars_platform.sinks.retired`);
* ``Tag``, ``Taxonomy``, ``ObjectTag`` → their ``event_sink`` rows; an object tag saved or deleted also asks for a
  (debounced) dump of its course, whose block rows carry the tag ids.

Each receiver is connected only where its model resolves (:func:`oars_platform.platform.models.resolve`): in a
service without the app, or on a release without content tagging, nothing is connected. Work is enqueued after the
transaction commits, with ids only; a receiver never raises into the platform's save.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from oars_platform.platform import models as platform_models

log = logging.getLogger(__name__)


def _guarded(what: str, action: Callable[[], None]) -> None:
    try:
        action()
    except Exception as exc:  # the platform's save must never fail for analytics
        log.error("oars: could not enqueue the update of a saved %s (%s)", what, type(exc).__name__)


def _learner_row(sink: str, instance: Any) -> None:
    from oars_platform.conf import get_config
    from oars_platform.tasks.base import enqueue_on_commit
    from oars_platform.tasks.learners import sync_learner_state

    if not get_config().pii_enabled or instance.user_id is None:
        return
    enqueue_on_commit(sync_learner_state, [sink], int(instance.user_id), None, None)


def on_user_profile_saved(sender: Any = None, instance: Any = None, **kwargs: Any) -> None:
    """A profile was created or edited: write the learner's ``user_profile`` row."""
    _guarded("profile", lambda: _learner_row("user_profile", instance))


def on_external_id_saved(sender: Any = None, instance: Any = None, **kwargs: Any) -> None:
    """An external id was created: write the learner's ``external_id`` row."""
    _guarded("external id", lambda: _learner_row("external_id", instance))


def external_ids_created(user_ids: list[int]) -> None:
    """xAPI ids the plugin created in bulk (no ``post_save``): write their rows, as for a saved ``ExternalId``."""
    from oars_platform.conf import get_config
    from oars_platform.tasks.base import enqueue_on_commit
    from oars_platform.tasks.learners import sync_learner_state

    if not user_ids:
        return
    try:
        if get_config().pii_enabled:
            for user_id in user_ids:
                enqueue_on_commit(sync_learner_state, ["external_id"], int(user_id), None, None)
    except Exception as exc:  # never fail the drain for this
        log.error("oars: could not enqueue the rows of new external ids (%s)", type(exc).__name__)


def _platform_row(sink: str, instance: Any) -> None:
    from oars_platform.tasks.base import enqueue_on_commit
    from oars_platform.tasks.learners import sync_platform_rows

    enqueue_on_commit(sync_platform_rows, sink, [int(instance.pk)])


def _course_dump(instance: Any) -> None:
    from oars_platform.platform.tagging import course_of
    from oars_platform.tasks.courses import request_course_dump

    course_key = course_of(str(instance.object_id))
    if course_key is not None:
        request_course_dump(course_key)


def on_tag_saved(sender: Any = None, instance: Any = None, **kwargs: Any) -> None:
    """A tag was created or renamed."""
    _guarded("tag", lambda: _platform_row("tag", instance))


def on_taxonomy_saved(sender: Any = None, instance: Any = None, **kwargs: Any) -> None:
    """A taxonomy was created or renamed."""
    _guarded("taxonomy", lambda: _platform_row("taxonomy", instance))


def on_object_tag_saved(sender: Any = None, instance: Any = None, **kwargs: Any) -> None:
    """A tag was applied to an object: its row, and a dump of the object's course (its blocks' tag ids)."""
    _guarded("object tag", lambda: _platform_row("object_tag", instance))
    _guarded("object tag", lambda: _course_dump(instance))


def on_object_tag_deleted(sender: Any = None, instance: Any = None, **kwargs: Any) -> None:
    """A tag was removed from an object: the object's course is dumped again (the row stays, as in Aspects)."""
    _guarded("object tag", lambda: _course_dump(instance))


#: ``(model path, signal name, receiver)``: every model receiver, connected by :func:`connect_model_receivers`.
MODEL_RECEIVERS: tuple[tuple[str, str, Callable[..., None]], ...] = (
    (platform_models.USER_PROFILE, "post_save", on_user_profile_saved),
    (platform_models.EXTERNAL_ID, "post_save", on_external_id_saved),
    (platform_models.TAG, "post_save", on_tag_saved),
    (platform_models.TAXONOMY, "post_save", on_taxonomy_saved),
    (platform_models.OBJECT_TAG, "post_save", on_object_tag_saved),
    (platform_models.OBJECT_TAG, "post_delete", on_object_tag_deleted),
)


def connect_model_receivers() -> list[str]:
    """Connect each receiver whose model resolves here; returns the ``model:signal`` pairs connected."""
    from django.db.models import signals

    connected = []
    for path, signal_name, receiver in MODEL_RECEIVERS:
        model = platform_models.resolve(path)
        if model is None:
            continue
        getattr(signals, signal_name).connect(
            receiver, sender=model, dispatch_uid=f"oars_platform.{receiver.__name__}", weak=False
        )
        connected.append(f"{path}:{signal_name}")
    return connected
