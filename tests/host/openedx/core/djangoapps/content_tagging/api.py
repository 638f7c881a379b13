"""``get_object_tags`` and ``tag_object`` as the platform's ``content_tagging.api`` offers them.

The platform's ``get_object_tags(object_id, taxonomy_id=None, object_tag_class=ContentObjectTag)`` forwards to
openedx-core's ``openedx_tagging.api.get_object_tags``; ``ContentObjectTag`` is a proxy of ``ObjectTag`` that adds
key parsing, so the stand-in returns ``ObjectTag`` rows with the same filters and order: disabled taxonomies
excluded, deleted taxonomies and deleted tags of closed taxonomies excluded, ``tag`` and ``taxonomy`` selected,
ordered by taxonomy name then tag lineage. ``tag_object`` here takes Tag instances (the real one takes tag values
or ids, checks the taxonomy's org and replaces the object's tags of that taxonomy).
"""

from django.db.models import F, Q, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat, Lower
from openedx_tagging.models import ObjectTag, Tag, Taxonomy


def get_object_tags(object_id: str, taxonomy_id: int | None = None) -> QuerySet:
    filters = {"taxonomy_id": taxonomy_id} if taxonomy_id else {}
    return (
        ObjectTag.objects.filter(object_id=object_id, **filters)
        .exclude(taxonomy__enabled=False)
        .exclude(taxonomy=None)
        .exclude(Q(tag=None) & Q(taxonomy__allow_free_text=False))
        .select_related("taxonomy", "tag")
        .annotate(
            sort_key=Coalesce(
                Lower(F("tag__lineage")), Lower(Concat(F("_value"), Value("\t"))), output_field=TextField()
            ),
            taxonomy_name=Coalesce(F("taxonomy__name"), F("_export_id")),
        )
        .order_by("taxonomy_name", "sort_key")
    )


def tag_object(object_id: str, taxonomy: Taxonomy, tags: list[Tag]) -> list[ObjectTag]:
    return [ObjectTag.objects.create(object_id=object_id, taxonomy=taxonomy, tag=tag) for tag in tags]
