"""Stand-in XBlock instances returned by the in-memory modulestore (the attributes of §3.2).

A block wraps a copy of its stored fields and reads everything else live from the branch it was loaded from:
children, the parent chain for inherited fields, and edit info. Setting an attribute changes only this copy;
``modulestore().update_item(block, user_id)`` writes it back to the draft branch, as with real XBlocks.
"""

from collections import namedtuple
from datetime import datetime
from typing import Any

from django.conf import settings
from opaque_keys.edx.keys import CourseKey, UsageKey

from xmodule.block_types import (
    COMMON_DEFAULTS,
    CONTAINER_TYPES,
    INHERITABLE_DEFAULTS,
    SCORED_TYPES,
    TYPE_DEFAULTS,
    completion_mode_for,
)
from xmodule.modulestore.memory import BlockRecord, CourseRecord, iter_subtree

ScopeIds = namedtuple("ScopeIds", "user_id block_type def_id usage_id")


class StandinBlock:
    """Any XBlock: core fields, inheritance, LMS fields and edit info, read-only except through the store."""

    def __init__(self, course: CourseRecord, branch_name: str, record: BlockRecord) -> None:
        self._course = course
        self._branch_name = branch_name
        self._record = record.copy()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}>"

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
        elif name == "children":
            self._record.children = list(value)
        else:
            self._record.fields[name] = value

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: stored fields, then inheritance, then class defaults.
        if name.startswith("_"):
            raise AttributeError(name)
        fields = self._record.fields
        if name in fields:
            return fields[name]
        if name in INHERITABLE_DEFAULTS:
            return self._inherited(name)
        type_defaults = TYPE_DEFAULTS.get(self.category, {})
        if name in type_defaults:
            return type_defaults[name]
        if name in COMMON_DEFAULTS:
            return COMMON_DEFAULTS[name]
        raise AttributeError(f"{type(self).__name__} ({self.category}) has no attribute {name!r}")

    def _inherited(self, name: str) -> Any:
        """Walk up the stored parents until one sets the field (InheritanceMixin semantics)."""
        branch = self._course.branches[self._branch_name]
        key = self._course.parent(self._branch_name, self.location)
        while key is not None and key in branch:
            record = branch[key]
            if name in record.fields:
                return record.fields[name]
            key = self._course.parent(self._branch_name, key)
        if name == "start":
            return settings.DEFAULT_START_DATE
        return INHERITABLE_DEFAULTS[name]

    # ---- identity (XModuleMixin / ScopeIds) ----
    @property
    def location(self) -> UsageKey:
        return self._record.usage_key

    @property
    def usage_key(self) -> UsageKey:
        return self._record.usage_key

    @property
    def scope_ids(self) -> ScopeIds:
        key = self._record.usage_key
        return ScopeIds(None, key.block_type, key, key)

    @property
    def category(self) -> str:
        return self._record.usage_key.block_type

    @property
    def url_name(self) -> str:
        return self._record.usage_key.block_id

    @property
    def course_id(self) -> CourseKey:
        return self._record.usage_key.course_key

    @property
    def display_name_with_default(self) -> str:
        """The display name, or the url name with underscores as spaces (block_metadata_utils)."""
        name = self.display_name
        return name if name is not None else self.url_name.replace("_", " ")

    # ---- tree ----
    @property
    def has_children(self) -> bool:
        return self.category in CONTAINER_TYPES

    @property
    def children(self) -> list[UsageKey]:
        return list(self._record.children) if self.has_children else []

    def get_children(self) -> list["StandinBlock"]:
        """Child blocks present in this branch; like XModuleMixin, missing children are skipped."""
        from xmodule.modulestore.mixed import load_block

        branch = self._course.branches[self._branch_name]
        return [load_block(self._course, self._branch_name, branch[key]) for key in self.children if key in branch]

    @property
    def parent(self) -> UsageKey | None:
        return self._course.parent(self._branch_name, self.location)

    def get_parent(self) -> "StandinBlock | None":
        from xmodule.modulestore.mixed import load_block

        key = self.parent
        return None if key is None else load_block(self._course, self._branch_name, self._branch()[key])

    def _branch(self) -> dict[UsageKey, BlockRecord]:
        return self._course.branches[self._branch_name]

    # ---- class-level behaviour ----
    @property
    def has_score(self) -> bool:
        return self.category in SCORED_TYPES

    @property
    def completion_mode(self) -> str:
        return completion_mode_for(self.category)

    # ---- edit info (EditInfoMixin) ----
    @property
    def edited_on(self) -> datetime:
        return self._record.edited_on

    @property
    def edited_by(self) -> int | None:
        return self._record.edited_by

    @property
    def subtree_edited_on(self) -> datetime:
        branch = self._branch()
        return max(
            (branch[key].edited_on for key in iter_subtree(branch, self.location)), default=self._record.edited_on
        )

    @property
    def subtree_edited_by(self) -> int | None:
        branch = self._branch()
        latest = max(
            (branch[key] for key in iter_subtree(branch, self.location)),
            key=lambda record: record.edited_on,
            default=self._record,
        )
        return latest.edited_by

    @property
    def published_on(self) -> datetime | None:
        return self._record.published_on

    @property
    def published_by(self) -> int | None:
        return self._record.published_by

    def editable_fields(self) -> dict[str, Any]:
        """The explicitly set fields (what split stores); inherited values are not included."""
        return dict(self._record.fields)
