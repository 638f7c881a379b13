"""The course structure every source yields, and the interface sources implement.

A course reaches ClickHouse from two places: the platform's modulestore (live publishes, the backfill command) and
an OLX export on disk (a course loaded without Studio: tests, the demo, sites migrating in). Both produce the same
plain values, :class:`CourseSnapshot` with its :class:`BlockNode` s, and :mod:`oars_platform.sources.course_rows`
turns a snapshot into table rows. Nothing here imports Django or the platform, so the snapshot is cheap to build in
tests and to pickle.

A snapshot holds the *published* course only: the course tree from its root plus detached blocks (about pages,
course info, static tabs), never drafts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from opaque_keys.edx.keys import CourseKey, UsageKey

#: Block types that belong to a course without being in its tree (the platform's ``DETACHED_XBLOCK_TYPES``).
DETACHED_TYPES = frozenset({"about", "course_info", "static_tab"})

#: The ``course_data_json`` keys of ``event_sink.course_overviews`` (aspects-schema.md §1.6), in Aspects' order.
COURSE_DATA_KEYS = (
    "advertised_start",
    "announcement",
    "lowest_passing_grade",
    "invitation_only",
    "max_student_enrollments_allowed",
    "effort",
    "enable_proctored_exams",
    "entrance_exam_enabled",
    "external_id",
    "language",
    "tags",
)


@dataclass(frozen=True)
class BlockNode:
    """One published block, with what reports need: names, type, tree links and grading/completion facts.

    ``graded`` is the *effective* value (inherited down the tree, as the platform's InheritanceMixin computes it),
    because the split modulestore and OLX store only explicitly set values.
    """

    location: str
    block_type: str
    display_name: str
    children: tuple[str, ...] = ()
    graded: bool = False
    completion_mode: str = "completable"
    edited_on: str = ""
    #: Content-tag ids (ancestors included) from the platform; OLX exports carry none.
    tags: tuple[int | str, ...] = ()


@dataclass(frozen=True)
class CourseSnapshot:
    """A published course as read at ``read_at``: course-level fields and every block by location."""

    course_key: str
    display_name: str
    root: str
    blocks: Mapping[str, BlockNode]
    source: str
    read_at: dt.datetime
    #: When the source says the course last changed (CourseOverview.modified, an export's mtime); None = unknown.
    modified: dt.datetime | None = None
    created: dt.datetime | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    enrollment_start: dt.datetime | None = None
    enrollment_end: dt.datetime | None = None
    self_paced: bool = False
    course_data: Mapping[str, Any] = field(default_factory=dict)
    #: For a CCX, the course it was derived from ("" for an ordinary course).
    master_course_key: str = ""

    @property
    def key(self) -> CourseKey:
        """The parsed course key."""
        return CourseKey.from_string(self.course_key)

    @property
    def org(self) -> str:
        """The course's organisation, from its key."""
        return self.key.org

    def for_ccx(self, ccx_key: str, display_name: str) -> CourseSnapshot:
        """The same published structure seen through a CCX of this course: CCX course and block keys, CCX name.

        A CCX shares its master's blocks (the platform's CCXModulestoreWrapper re-keys them on the fly); coaches
        change schedules, not the tree, so the re-keyed tree is what its learners navigate.
        """
        # A ``ccx-v1:`` key parses through opaque-keys' registry, which edx-ccx-keys (a platform package, only
        # where CCXs exist) extends: no import of it here.
        ccx = CourseKey.from_string(ccx_key)

        def rekey(location: str) -> str:
            usage = UsageKey.from_string(location)
            return str(ccx.make_usage_key(usage.block_type, usage.block_id))

        blocks = {
            rekey(location): replace(node, location=rekey(location), children=tuple(rekey(c) for c in node.children))
            for location, node in self.blocks.items()
        }
        return replace(
            self,
            course_key=str(ccx),
            display_name=display_name,
            root=rekey(self.root),
            blocks=blocks,
            master_course_key=self.course_key,
        )


@dataclass(frozen=True)
class CourseListing:
    """A course a source can dump, with its last-change time for the backfill's skip decision."""

    course_key: str
    modified: dt.datetime | None = None


class CourseSource(Protocol):
    """What the dump needs from a source of courses."""

    #: Short name recorded with every dump (``modulestore``, ``olx``).
    name: str

    def list_courses(self) -> list[CourseListing]:
        """Every course this source can read, with its last-change time (cheap: no structure is read)."""

    def read(self, course_key: str) -> CourseSnapshot | None:
        """The published course, or None when it does not exist (any more)."""

    def derived_courses(self, snapshot: CourseSnapshot) -> Iterator[CourseSnapshot]:
        """Courses dumped together with ``snapshot``: the CCXs of a course (none for most sources)."""


class CourseNotFound(LookupError):
    """The source has no such course (deleted, or a mistyped key)."""


def read_course(source: CourseSource, course_key: str) -> list[CourseSnapshot]:
    """The published course and its derived courses (CCXs), ready to write; CourseNotFound if it is gone."""
    snapshot = source.read(course_key)
    if snapshot is None:
        raise CourseNotFound(f"{course_key} is not in the {source.name}")
    return [snapshot, *source.derived_courses(snapshot)]
