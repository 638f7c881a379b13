"""Users as the xAPI transform needs them: external ids (anonymous actors) or emails, fetched in bulk."""

from __future__ import annotations

from collections.abc import Iterable

XAPI_ID_TYPE = "xapi"


def _split_refs(refs: Iterable[int | str]) -> tuple[set[int], set[str]]:
    """User references are ids (ints, or digit strings, as ERB accepts) or usernames."""
    ids: set[int] = set()
    names: set[str] = set()
    for ref in refs:
        if isinstance(ref, int) and not isinstance(ref, bool):
            ids.add(ref)
        elif isinstance(ref, str) and ref.isdigit():
            ids.add(int(ref))
        elif isinstance(ref, str) and ref:
            names.add(ref)
    return ids, names


def xapi_ids(users: list) -> dict[int, object]:
    """``{user id: ExternalId}`` of the users' xAPI ids, creating the missing ones, safe when workers race.

    The platform's ``batch_get_or_create_user_ids`` reads the existing ids, then ``bulk_create``s the missing ones
    without ``ignore_conflicts``: when two workers meet the same new learner at once, the second insert violates the
    (user, type) unique key. That attempt is rolled back to a savepoint and made again: it then finds the id the
    other worker created, so there is still exactly one id per learner. Ids created here reach ClickHouse's
    ``external_id`` table as a saved ``ExternalId`` does (its ``post_save`` is not sent by a bulk insert).
    """
    import datetime as dt

    from django.db import IntegrityError, transaction
    from openedx.core.djangoapps.external_user_ids.models import ExternalId

    from oars_platform.signals.models import external_ids_created

    started = dt.datetime.now(dt.UTC)  # ``created`` is set by Django (auto_now_add), on this same clock
    for attempt in range(3):
        try:
            with transaction.atomic():
                ids = ExternalId.batch_get_or_create_user_ids(users, XAPI_ID_TYPE) or {}
            break
        except IntegrityError:
            if attempt == 2:
                raise
    # The platform's bulk insert sends no post_save: the ids created here are announced like a saved ExternalId.
    external_ids_created(
        [user_id for user_id, row in ids.items() if getattr(row, "created", None) and row.created >= started]
    )
    return ids


def fetch_actors(refs: set[int | str], mode: str) -> dict[int | str, str]:
    """The actor value per reference: the xAPI external id, or the email in the mbox modes; unknown users omitted.

    One query for the users and, in the default mode, one bulk get-or-create of their external ids.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    ids, names = _split_refs(refs)
    if not ids and not names:
        return {}
    users = list(get_user_model().objects.filter(Q(id__in=ids) | Q(username__in=names)))
    if mode == "external_id":
        external = xapi_ids(users)
        values = {user.id: str(external[user.id].external_user_id) for user in users if user.id in external}
    else:
        values = {user.id: user.email for user in users if user.email}
    by_name = {user.username: user.id for user in users}
    result: dict[int | str, str] = {}
    for ref in refs:
        user_id = int(ref) if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()) else by_name.get(ref)
        if user_id in values:
            result[ref] = values[user_id]
    return result
