"""Storage of the in-memory modulestore: per course, a draft and a published branch of block records.

Mirrors split's model closely enough for readers: a branch is a flat map of blocks, the tree is the ``children``
lists from the course root, detached blocks sit in the map without a parent, and each write to a branch gets a
new structure version (an ObjectId, like split's structure ids).
"""

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from bson import ObjectId
from opaque_keys.edx.keys import CourseKey, UsageKey

from xmodule.modulestore import ModuleStoreEnum

Branch = dict[UsageKey, "BlockRecord"]


@dataclass
class BlockRecord:
    """One block as stored: explicitly set fields only (inherited values are never materialized)."""

    usage_key: UsageKey
    fields: dict[str, object]
    children: list[UsageKey]
    edited_on: datetime
    edited_by: int | None
    published_on: datetime | None = None
    published_by: int | None = None

    def copy(self) -> "BlockRecord":
        """Deep enough that edits to one branch never leak into the other."""
        return BlockRecord(
            usage_key=self.usage_key,
            fields=copy.deepcopy(self.fields),
            children=list(self.children),
            edited_on=self.edited_on,
            edited_by=self.edited_by,
            published_on=self.published_on,
            published_by=self.published_by,
        )


@dataclass
class CourseRecord:
    """Both branches of one course plus their current structure versions."""

    course_key: CourseKey
    root: UsageKey
    branches: dict[str, Branch] = field(
        default_factory=lambda: {ModuleStoreEnum.BranchName.draft: {}, ModuleStoreEnum.BranchName.published: {}}
    )
    versions: dict[str, ObjectId] = field(
        default_factory=lambda: {
            ModuleStoreEnum.BranchName.draft: ObjectId(),
            ModuleStoreEnum.BranchName.published: ObjectId(),
        }
    )

    @property
    def draft(self) -> Branch:
        return self.branches[ModuleStoreEnum.BranchName.draft]

    @property
    def published(self) -> Branch:
        return self.branches[ModuleStoreEnum.BranchName.published]

    _parent_maps: dict[str, tuple[ObjectId, dict[UsageKey, UsageKey]]] = field(default_factory=dict, repr=False)

    def touch(self, branch_name: str) -> None:
        """Record that the branch changed: it now has a new structure version (which also drops cached parents)."""
        self.versions[branch_name] = ObjectId()

    def parent(self, branch_name: str, usage_key: UsageKey) -> UsageKey | None:
        """Cached :func:`parent_of` for readers; valid for the branch's current version only."""
        version = self.versions[branch_name]
        cached = self._parent_maps.get(branch_name)
        if cached is None or cached[0] != version:
            parents = {
                child: key for key, record in list(self.branches[branch_name].items()) for child in record.children
            }
            cached = (version, parents)
            self._parent_maps[branch_name] = cached
        return cached[1].get(usage_key)


def parent_of(branch: Branch, usage_key: UsageKey) -> UsageKey | None:
    """The block listing ``usage_key`` as a child, or None for the root, detached blocks and orphans.

    Uncached: writers call it while they are changing child lists.
    """
    for key, record in list(branch.items()):
        if usage_key in record.children:
            return key
    return None


def iter_subtree(branch: Branch, root: UsageKey) -> Iterator[UsageKey]:
    """Pre-order keys of the subtree under ``root`` that exist in the branch (dangling children are skipped)."""
    stack = [root]
    while stack:
        key = stack.pop()
        record = branch.get(key)
        if record is None:
            continue
        yield key
        stack.extend(reversed(record.children))
