"""External user ids: one stable random UUID per (user, id type), used as the xAPI/Caliper actor (§4)."""

import logging
import uuid
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import models

log = logging.getLogger(__name__)


class ExternalIdType(models.Model):
    """A kind of external id; rows for the platform's types are created by data migration ``0002``."""

    MICROBACHELORS_COACHING = "mb_coaching"
    CALIPER = "caliper"
    XAPI = "xapi"
    LTI = "lti"

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    name = models.CharField(max_length=32, blank=False, unique=True, db_index=True)
    description = models.TextField()

    def __str__(self) -> str:
        return self.name


class ExternalId(models.Model):
    """The mapping row; ``external_user_id`` is generated once and never changes."""

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    external_user_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id_type = models.ForeignKey(ExternalIdType, db_index=True, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)

    class Meta:
        unique_together = (("user", "external_id_type"),)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.external_user_id} ({self.external_id_type_id})"

    @classmethod
    def user_has_external_id(cls, user: User, type_name: str) -> bool:
        """True when the user already has an id of that type."""
        return cls.objects.filter(user=user, external_id_type__name=type_name).exists()

    @classmethod
    def add_new_user_id(cls, user: User, type_name: str) -> tuple["ExternalId | None", bool]:
        """Get or create the user's id; ``(None, False)`` when the type row does not exist."""
        try:
            type_obj = ExternalIdType.objects.get(name=type_name)
        except ExternalIdType.DoesNotExist:
            log.info("External id type %s does not exist; no id created for user %s", type_name, user.id)
            return None, False
        return cls.objects.get_or_create(user=user, external_id_type=type_obj)

    @classmethod
    def batch_get_or_create_user_ids(cls, users: Iterable[User], type_name: str) -> dict[int, "ExternalId"] | None:
        """``{user_id: ExternalId}`` for all users, creating the missing ones in one insert; None for a bad type."""
        try:
            type_obj = ExternalIdType.objects.get(name=type_name)
        except ExternalIdType.DoesNotExist:
            log.info("External id type %s does not exist", type_name)
            return None
        users = list(users)
        result = {
            row.user_id: row
            for row in cls.objects.filter(user__in=users, external_id_type=type_obj).select_related("user")
        }
        missing = [user for user in users if user.id not in result]
        if missing:
            cls.objects.bulk_create([cls(user=user, external_id_type=type_obj) for user in missing])
            for row in cls.objects.filter(user__in=missing, external_id_type=type_obj).select_related("user"):
                result[row.user_id] = row
        return result
