"""The in-memory modulestore, named like the platform's ``MixedModuleStore`` because its class is the signal sender.

Behaviour reproduced from split's draft-versioning store (``xmodule/modulestore/split_mongo``) and ``mixed.py``:

* every course has a draft and a published branch; ``branch_setting`` chooses which one reads use, and the default
  comes from ``settings.MODULESTORE_BRANCH`` (the CMS: draft-preferred, the LMS: published-only);
* writes go to the draft branch; ``DIRECT_ONLY_CATEGORIES`` (course, chapter, sequential, about, static_tab,
  course_info) are auto-published without their children when created, edited or deleted;
* ``publish`` copies a subtree to the published branch, re-syncs the published parent's child list with the draft
  (so children deleted in draft disappear) and deletes published blocks left without a parent;
* XBLOCK_PUBLISHED is sent synchronously by ``publish``; XBLOCK_CREATED/UPDATED/DELETED on transaction commit;
* ``course_published`` (preceded by ``pre_publish``) is sent once at the end of the outermost bulk operation in
  which anything was published, auto-publishes included.
"""

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ccx_keys.locator import CCXBlockUsageLocator, CCXLocator
from django.conf import settings
from django.db import transaction
from opaque_keys.edx.keys import CourseKey, UsageKey
from opaque_keys.edx.locator import CourseLocator
from openedx_events.content_authoring.data import XBlockData
from openedx_events.content_authoring.signals import XBLOCK_CREATED, XBLOCK_DELETED, XBLOCK_PUBLISHED, XBLOCK_UPDATED

from xmodule.block_types import DETACHED_XBLOCK_TYPES, DIRECT_ONLY_CATEGORIES
from xmodule.course_block import CourseBlock
from xmodule.modulestore import ModuleStoreEnum
from xmodule.modulestore.django import SignalHandler
from xmodule.modulestore.exceptions import DuplicateCourseError, DuplicateItemError, ItemNotFoundError
from xmodule.modulestore.memory import BlockRecord, CourseRecord, iter_subtree, parent_of
from xmodule.x_module import StandinBlock

DRAFT = ModuleStoreEnum.BranchName.draft
PUBLISHED = ModuleStoreEnum.BranchName.published


def load_block(course: CourseRecord, branch_name: str, record: BlockRecord) -> StandinBlock:
    """Wrap a stored record in the block class for its type."""
    cls = CourseBlock if record.usage_key.block_type == "course" else StandinBlock
    return cls(course, branch_name, record)


def _now() -> datetime:
    return datetime.now(UTC)


def _course_key(key: CourseKey) -> CourseKey:
    """Branch- and version-free key; CCX keys map to their master course, as CCXModulestoreWrapper does."""
    if isinstance(key, CCXLocator):
        key = key.to_course_locator()
    return key.for_branch(None).version_agnostic()


def _usage_key(key: UsageKey) -> UsageKey:
    if isinstance(key, CCXBlockUsageLocator):
        key = key.to_block_locator()
    return key.for_branch(None).version_agnostic()


@dataclass
class _BulkState:
    """One course's bulk operation on one thread (the platform keeps these thread-local too)."""

    depth: int = 0
    emit_signals: bool = True
    has_publish_item: bool = False


class MixedModuleStore:
    """A process-wide, thread-safe, in-memory store with the read/write API of §3.1."""

    def __init__(self, signal_handler: SignalHandler | None = None) -> None:
        self.signal_handler = signal_handler or SignalHandler(type(self))
        self._lock = threading.RLock()
        self._courses: dict[CourseKey, CourseRecord] = {}
        self._local = threading.local()

    def reset(self) -> None:
        """Forget every course (tests call this between cases)."""
        with self._lock:
            self._courses.clear()
        self._local = threading.local()

    # ------------------------------------------------------------------ branches
    def get_branch_setting(self, course_id: CourseKey | None = None) -> str:
        """The innermost ``branch_setting`` on this thread, else ``settings.MODULESTORE_BRANCH``."""
        stack = getattr(self._local, "branches", None)
        if stack:
            return stack[-1]
        return getattr(settings, "MODULESTORE_BRANCH", ModuleStoreEnum.Branch.published_only)

    @contextmanager
    def branch_setting(self, branch_setting: str, course_id: CourseKey | None = None) -> Iterator[None]:
        """Read from ``published-only`` or ``draft-preferred`` inside the block."""
        if branch_setting not in (ModuleStoreEnum.Branch.published_only, ModuleStoreEnum.Branch.draft_preferred):
            raise ValueError(f"Unknown branch setting {branch_setting!r}")
        stack = self._local.__dict__.setdefault("branches", [])
        stack.append(branch_setting)
        try:
            yield
        finally:
            stack.pop()

    def _read_branch(self, revision: str | None = None) -> str:
        """The branch a read uses: an explicit ``revision`` kwarg wins over the branch setting."""
        if revision == ModuleStoreEnum.RevisionOption.published_only:
            return PUBLISHED
        if revision == ModuleStoreEnum.RevisionOption.draft_only:
            return DRAFT
        return DRAFT if self.get_branch_setting() == ModuleStoreEnum.Branch.draft_preferred else PUBLISHED

    # ------------------------------------------------------------------ reads
    def _course_record(self, course_key: CourseKey) -> CourseRecord | None:
        return self._courses.get(_course_key(course_key))

    def _require_course(self, course_key: CourseKey) -> CourseRecord:
        record = self._course_record(course_key)
        if record is None:
            raise ItemNotFoundError(course_key)
        return record

    def make_course_key(self, org: str, course: str, run: str) -> CourseKey:
        return CourseLocator(org, course, run)

    def make_course_usage_key(self, course_key: CourseKey) -> UsageKey:
        return _course_key(course_key).make_usage_key("course", "course")

    def has_course(self, course_id: CourseKey, ignore_case: bool = False, **kwargs: Any) -> CourseKey | None:
        """The stored course key when the course exists (in any branch), else None."""
        wanted = _course_key(course_id)
        for key in list(self._courses):
            if key == wanted or (ignore_case and str(key).lower() == str(wanted).lower()):
                return key
        return None

    def get_course(self, course_key: CourseKey, depth: int | None = 0, **kwargs: Any) -> CourseBlock | None:
        """The course root in the current branch, or None. ``depth`` is accepted; everything is in memory."""
        course = self._course_record(course_key)
        if course is None:
            return None
        branch_name = self._read_branch(kwargs.get("revision"))
        record = course.branches[branch_name].get(course.root)
        return None if record is None else load_block(course, branch_name, record)

    def get_courses(self, **kwargs: Any) -> list[CourseBlock]:
        """Every course that exists in the current branch."""
        courses = [self.get_course(key) for key in list(self._courses)]
        return [course for course in courses if course is not None]

    def has_item(self, usage_key: UsageKey, **kwargs: Any) -> bool:
        course = self._course_record(usage_key.course_key)
        branch_name = self._read_branch(kwargs.get("revision"))
        return course is not None and _usage_key(usage_key) in course.branches[branch_name]

    def get_item(self, usage_key: UsageKey, depth: int | None = 0, **kwargs: Any) -> StandinBlock:
        """The block in the current branch; ``ItemNotFoundError`` otherwise (e.g. a never-published draft)."""
        course = self._course_record(usage_key.course_key)
        branch_name = self._read_branch(kwargs.get("revision"))
        record = None if course is None else course.branches[branch_name].get(_usage_key(usage_key))
        if record is None:
            raise ItemNotFoundError(usage_key)
        return load_block(course, branch_name, record)

    def get_items(
        self,
        course_id: CourseKey,
        qualifiers: dict[str, Any] | None = None,
        settings: dict[str, Any] | None = None,
        content: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[StandinBlock]:
        """Blocks of the course (detached ones included) matching ``category``/``name`` and stored field values."""
        course = self._course_record(course_id)
        if course is None:
            return []
        qualifiers = dict(qualifiers or {})
        categories = qualifiers.pop("category", None) or qualifiers.pop("block_type", None)
        if isinstance(categories, str):
            categories = {categories}
        name = qualifiers.pop("name", None)
        field_filters = {**qualifiers, **(settings or {}), **(content or {})}
        branch_name = self._read_branch(kwargs.get("revision"))
        return [
            load_block(course, branch_name, record)
            for key, record in list(course.branches[branch_name].items())
            if (categories is None or key.block_type in categories)
            and (name is None or key.block_id == name)
            and all(record.fields.get(field) == value for field, value in field_filters.items())
        ]

    def get_parent_location(self, location: UsageKey, **kwargs: Any) -> UsageKey | None:
        course = self._require_course(location.course_key)
        return course.parent(self._read_branch(kwargs.get("revision")), _usage_key(location))

    def get_orphans(self, course_key: CourseKey, **kwargs: Any) -> list[UsageKey]:
        """Draft blocks that are neither in the tree nor detached."""
        course = self._require_course(course_key)
        reachable = set(iter_subtree(course.draft, course.root))
        return [key for key in course.draft if key not in reachable and key.block_type not in DETACHED_XBLOCK_TYPES]

    def has_published_version(self, block: StandinBlock) -> bool:
        course = self._require_course(block.location.course_key)
        return _usage_key(block.location) in course.published

    # ------------------------------------------------------------------ bulk operations and signals
    def _bulk_states(self) -> dict[CourseKey, _BulkState]:
        return self._local.__dict__.setdefault("bulk", {})

    @contextmanager
    def bulk_operations(
        self, course_id: CourseKey, emit_signals: bool = True, ignore_case: bool = False
    ) -> Iterator[None]:
        """Group writes; publish signals go out once, when the outermost block for the course ends."""
        key = _course_key(course_id)
        states = self._bulk_states()
        state = states.setdefault(key, _BulkState())
        if state.depth == 0:
            state.emit_signals = emit_signals
        state.depth += 1
        try:
            yield
        finally:
            state.depth -= 1
            if state.depth == 0:
                del states[key]
                if state.has_publish_item and state.emit_signals:
                    self.signal_handler.send("pre_publish", course_key=key)
                    self.signal_handler.send("course_published", course_key=key)

    def _flag_publish_event(self, course_key: CourseKey) -> None:
        """Remember that the current bulk operation published something (all writes run inside one)."""
        self._bulk_states()[_course_key(course_key)].has_publish_item = True

    @staticmethod
    def _send_on_commit(signal: Any, usage_key: UsageKey, version: UsageKey | None = None) -> None:
        """XBLOCK_CREATED/UPDATED/DELETED are deferred until the surrounding transaction commits."""
        data = XBlockData(usage_key=usage_key, block_type=usage_key.block_type, version=version)
        transaction.on_commit(lambda: signal.send_event(time=_now(), xblock_info=data))

    # ------------------------------------------------------------------ writes
    def create_course(
        self,
        org: str,
        course: str,
        run: str,
        user_id: int = ModuleStoreEnum.UserID.test,
        *,
        display_name: str | None = None,
        fields: dict[str, Any] | None = None,
        **field_values: Any,
    ) -> CourseBlock:
        """Create the course root (auto-published, so ``course_published`` fires) and return its draft."""
        course_key = CourseLocator(org, course, run)
        values = {**(fields or {}), **field_values}
        if display_name is not None:
            values["display_name"] = display_name
        with self._lock:
            if self.has_course(course_key, ignore_case=True):
                raise DuplicateCourseError(course_key, self.has_course(course_key, ignore_case=True))
            record = CourseRecord(course_key=course_key, root=course_key.make_usage_key("course", "course"))
            record.draft[record.root] = BlockRecord(record.root, values, [], _now(), user_id)
            self._courses[course_key] = record
        with self.bulk_operations(course_key):
            self._publish_locked(record, record.root, user_id, exclude_all=True)
        return load_block(record, DRAFT, record.draft[record.root])

    def create_item(
        self,
        user_id: int,
        course_key: CourseKey,
        block_type: str,
        block_id: str | None = None,
        fields: dict[str, Any] | None = None,
        **field_values: Any,
    ) -> StandinBlock:
        """Create a block without a parent: how detached blocks (static_tab, about, course_info) are made."""
        return self._create(user_id, course_key, None, block_type, block_id, {**(fields or {}), **field_values}, None)

    def create_child(
        self,
        user_id: int,
        parent_usage_key: UsageKey,
        block_type: str,
        block_id: str | None = None,
        fields: dict[str, Any] | None = None,
        position: int | None = None,
        **field_values: Any,
    ) -> StandinBlock:
        """Create a block under ``parent_usage_key`` in draft (Studio-style random ``block_id`` when omitted)."""
        values = {**(fields or {}), **field_values}
        return self._create(
            user_id, parent_usage_key.course_key, _usage_key(parent_usage_key), block_type, block_id, values, position
        )

    def _create(
        self,
        user_id: int,
        course_key: CourseKey,
        parent_key: UsageKey | None,
        block_type: str,
        block_id: str | None,
        values: dict[str, Any],
        position: int | None,
    ) -> StandinBlock:
        course = self._require_course(course_key)
        usage_key = course.course_key.make_usage_key(block_type, block_id or uuid.uuid4().hex)
        now = _now()
        with self._lock:
            if usage_key in course.draft:
                raise DuplicateItemError(usage_key, self)
            if parent_key is not None and parent_key not in course.draft:
                raise ItemNotFoundError(parent_key)
            course.draft[usage_key] = BlockRecord(usage_key, dict(values), [], now, user_id)
            if parent_key is not None:
                parent = course.draft[parent_key]
                parent.children.insert(len(parent.children) if position is None else position, usage_key)
                parent.edited_on, parent.edited_by = now, user_id
            course.touch(DRAFT)
            version = course.course_key.for_version(course.versions[DRAFT]).make_usage_key(
                block_type, usage_key.block_id
            )
            with self.bulk_operations(course_key):
                if block_type in DIRECT_ONLY_CATEGORIES:
                    self._publish_locked(course, usage_key, user_id, exclude_all=True)
        self._send_on_commit(XBLOCK_CREATED, usage_key, version)
        return load_block(course, DRAFT, course.draft[usage_key])

    def update_item(
        self, xblock: StandinBlock, user_id: int | None = None, allow_not_found: bool = False, **kwargs: Any
    ) -> StandinBlock:
        """Write the block's fields and children to draft (auto-publishing direct-only categories)."""
        usage_key = _usage_key(xblock.location)
        course = self._require_course(usage_key.course_key)
        with self._lock:
            current = course.draft.get(usage_key)
            if current is None and not allow_not_found:
                raise ItemNotFoundError(usage_key)
            record = xblock._record.copy()
            record.edited_on, record.edited_by = _now(), user_id
            if current is not None:
                record.published_on, record.published_by = current.published_on, current.published_by
            course.draft[usage_key] = record
            course.touch(DRAFT)
            version = course.course_key.for_version(course.versions[DRAFT]).make_usage_key(
                usage_key.block_type, usage_key.block_id
            )
            with self.bulk_operations(usage_key.course_key):
                if usage_key.block_type in DIRECT_ONLY_CATEGORIES:
                    self._publish_locked(course, usage_key, user_id, exclude_all=True)
        self._send_on_commit(XBLOCK_UPDATED, usage_key, version)
        return load_block(course, DRAFT, course.draft[usage_key])

    def delete_item(self, location: UsageKey, user_id: int, revision: str | None = None, **kwargs: Any) -> None:
        """Delete from draft (and published too for direct-only categories, via the parent's auto-publish)."""
        usage_key = _usage_key(location)
        course = self._require_course(usage_key.course_key)
        if usage_key not in course.draft and usage_key not in course.published:
            raise ItemNotFoundError(usage_key)
        self.signal_handler.send("pre_item_delete", usage_key=usage_key, user_id=user_id)
        with self._lock, self.bulk_operations(usage_key.course_key):
            if revision == ModuleStoreEnum.RevisionOption.published_only:
                self._delete_subtree(course, PUBLISHED, usage_key, user_id)
            else:
                parent_key = parent_of(course.draft, usage_key)
                self._delete_subtree(course, DRAFT, usage_key, user_id)
                if revision == ModuleStoreEnum.RevisionOption.all:
                    self._delete_subtree(course, PUBLISHED, usage_key, user_id)
                if usage_key.block_type in DIRECT_ONLY_CATEGORIES:
                    if parent_key is None:  # a detached direct-only block: gone from both branches
                        self._delete_subtree(course, PUBLISHED, usage_key, user_id)
                        self._flag_publish_event(usage_key.course_key)
                    else:
                        self._publish_locked(course, parent_key, user_id, exclude_all=True)
        self.signal_handler.send("item_deleted", usage_key=usage_key, user_id=user_id)
        self._send_on_commit(XBLOCK_DELETED, usage_key)

    def _delete_subtree(self, course: CourseRecord, branch_name: str, usage_key: UsageKey, user_id: int) -> None:
        branch = course.branches[branch_name]
        if usage_key not in branch:
            return
        parent_key = parent_of(branch, usage_key)
        for key in list(iter_subtree(branch, usage_key)):
            del branch[key]
        if parent_key is not None:
            parent = branch[parent_key]
            parent.children.remove(usage_key)
            parent.edited_on, parent.edited_by = _now(), user_id
        course.touch(branch_name)

    def publish(self, location: UsageKey, user_id: int, **kwargs: Any) -> StandinBlock:
        """Publish the block and its subtree; XBLOCK_PUBLISHED is sent right after, as ``MixedModuleStore`` does."""
        usage_key = _usage_key(location)
        course = self._require_course(usage_key.course_key)
        with self._lock, self.bulk_operations(usage_key.course_key):
            if usage_key not in course.draft:
                raise ItemNotFoundError(usage_key)
            self._publish_locked(course, usage_key, user_id, exclude_all=False)
        XBLOCK_PUBLISHED.send_event(
            time=_now(), xblock_info=XBlockData(usage_key=usage_key, block_type=usage_key.block_type)
        )
        return load_block(course, PUBLISHED, course.published[usage_key])

    def unpublish(self, location: UsageKey, user_id: int, **kwargs: Any) -> None:
        """Remove a (non direct-only) block from the published branch, keeping the draft."""
        usage_key = _usage_key(location)
        if usage_key.block_type in DIRECT_ONLY_CATEGORIES:
            raise ValueError(f"Cannot unpublish a direct-only block {usage_key}")
        course = self._require_course(usage_key.course_key)
        with self._lock, self.bulk_operations(usage_key.course_key):
            self._delete_subtree(course, PUBLISHED, usage_key, user_id)
            self._flag_publish_event(usage_key.course_key)

    def delete_course(self, course_key: CourseKey, user_id: int) -> None:
        """Drop the course and send ``course_deleted``."""
        key = _course_key(course_key)
        with self._lock:
            if self._courses.pop(key, None) is None:
                raise ItemNotFoundError(course_key)
        self.signal_handler.send("course_deleted", course_key=key)

    # ------------------------------------------------------------------ publishing internals (split's copy)
    def _publish_locked(self, course: CourseRecord, usage_key: UsageKey, user_id: int, exclude_all: bool) -> None:
        """Split's ``copy``: sync the published parent's children, copy the subdag, delete true orphans.

        ``exclude_all`` is the auto-publish of direct-only blocks: the block is copied but no child is added.
        """
        orphans: set[UsageKey] = set()
        parent_key = parent_of(course.draft, usage_key)
        if parent_key is not None:
            if parent_key not in course.published:
                raise ItemNotFoundError(parent_key)
            orphans |= self._sync_children(course.draft[parent_key], course.published[parent_key], usage_key)
        orphans |= self._copy_subdag(course, usage_key, user_id, exclude_all, _now())
        for orphan in orphans:
            self._delete_if_true_orphan(course.published, orphan)
        course.touch(PUBLISHED)
        self._flag_publish_event(course.course_key)

    @staticmethod
    def _sync_children(source_parent: BlockRecord, destination_parent: BlockRecord, new_child: UsageKey) -> set:
        """Reorder the published parent's children like the draft's, dropping those no longer in the draft."""
        existing = set(destination_parent.children)
        destination_parent.children = [
            child for child in source_parent.children if child == new_child or child in existing
        ]
        return existing - set(source_parent.children)

    def _copy_subdag(
        self, course: CourseRecord, usage_key: UsageKey, user_id: int, exclude_all: bool, now: datetime
    ) -> set[UsageKey]:
        source = course.draft[usage_key]
        destination = course.published.get(usage_key)
        orphans: set[UsageKey] = set()
        if destination is not None:
            orphans = set(destination.children) - set(source.children)
            kept = [child for child in source.children if child in destination.children]
            children = kept if exclude_all else list(source.children)
        else:
            children = [] if exclude_all else list(source.children)
        published = source.copy()
        published.children = children
        # In split the published copy's edit info is the publish itself.
        published.edited_on = published.published_on = source.published_on = now
        published.edited_by = published.published_by = source.published_by = user_id
        course.published[usage_key] = published
        if not exclude_all:
            for child in children:
                orphans |= self._copy_subdag(course, child, user_id, exclude_all, now)
        return orphans

    def _delete_if_true_orphan(self, branch: dict[UsageKey, BlockRecord], usage_key: UsageKey) -> None:
        record = branch.get(usage_key)
        if record is None or parent_of(branch, usage_key) is not None:
            return
        del branch[usage_key]
        for child in record.children:
            self._delete_if_true_orphan(branch, child)
