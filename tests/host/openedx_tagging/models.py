"""``Taxonomy``, ``Tag`` and ``ObjectTag`` with openedx-core 0.39's fields (``openedx_tagging.models.base``).

Simplified: the real models use case-insensitive collations, check constraints on ``depth``/``lineage``, taxonomy
subclasses (system-defined and language taxonomies) and rules-based permissions; none of that changes what the
plugin reads. As in the real ``Tag.save()``, ``depth`` and ``lineage`` (the tab-separated path of values from the
root, ending in a tab) are computed on save.
"""

from django.db import models


class Taxonomy(models.Model):
    """A named set of tags; a disabled taxonomy's tags are hidden by ``get_object_tags``."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=255, db_index=True)
    description = models.TextField(blank=True)
    enabled = models.BooleanField(default=True)
    allow_multiple = models.BooleanField(default=True)
    allow_free_text = models.BooleanField(default=False)
    visible_to_authors = models.BooleanField(default=True, editable=False)
    export_id = models.CharField(max_length=255, unique=True)
    _taxonomy_class = models.CharField(null=True, max_length=255)

    class Meta:
        verbose_name_plural = "Taxonomies"


class Tag(models.Model):
    """One value of a taxonomy, possibly under a parent tag."""

    id = models.BigAutoField(primary_key=True)
    taxonomy = models.ForeignKey(Taxonomy, null=True, default=None, on_delete=models.CASCADE)
    parent = models.ForeignKey(
        "self", null=True, blank=True, default=None, on_delete=models.CASCADE, related_name="children"
    )
    value = models.CharField(max_length=500)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    depth = models.IntegerField(default=0)
    lineage = models.CharField(max_length=3006, default="")

    class Meta:
        unique_together = [["taxonomy", "external_id"], ["taxonomy", "value"]]

    def save(self, *args, **kwargs) -> None:
        # The real save() also rewrites the lineage of descendants when a value changes.
        parent = self.parent
        self.depth = parent.depth + 1 if parent is not None else 0
        self.lineage = f"{parent.lineage if parent is not None else ''}{self.value}\t"
        super().save(*args, **kwargs)

    def get_lineage(self) -> list[str]:
        """Values from the root down to this tag."""
        return self.lineage.rstrip("\t").split("\t")


class ObjectTag(models.Model):
    """A tag applied to an object (``object_id``: a course key, a usage key, a library key...)."""

    id = models.BigAutoField(primary_key=True)
    object_id = models.CharField(max_length=255, db_index=True, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, null=True, blank=True, default=None, on_delete=models.SET_NULL)
    tag = models.ForeignKey(Tag, null=True, blank=True, default=None, on_delete=models.SET_NULL)
    is_copied = models.BooleanField(default=False)
    _export_id = models.CharField(max_length=255)
    _value = models.CharField(max_length=500)

    class Meta:
        unique_together = [("object_id", "taxonomy", "tag_id"), ("object_id", "taxonomy", "_value")]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.pk:  # as the real model: cache the taxonomy's export id and the tag's value on creation
            if not self._export_id and self.taxonomy:
                self._export_id = self.taxonomy.export_id
            if not self._value and self.tag:
                self._value = self.tag.value

    @property
    def value(self) -> str:
        return self.tag.value if self.tag else self._value

    def get_lineage(self) -> list[str]:
        """The tag's lineage, or the cached value alone for free text or a deleted tag."""
        return self.tag.get_lineage() if self.tag else [self._value]
