"""Read an Open edX OLX course export into a :class:`CourseSnapshot`, the way the platform's XML import sees it.

The layout (Open edX "OLX" docs, and what Studio's export writes):

* ``course.xml``: ``<course url_name="RUN" org="ORG" course="NUMBER"/>``, which names ``course/RUN.xml``;
* the course file holds ``<chapter>`` → ``<sequential>`` → ``<vertical>`` → components. Any child may be written
  inline or as a *pointer* (a tag with only ``url_name``) to ``{tag}/{url_name}.xml``;
* ``policies/RUN/policy.json`` overrides settings per ``"{type}/{url_name}"`` (the course is ``course/RUN``);
  ``policies/RUN/grading_policy.json`` holds the grade cutoffs;
* detached blocks: ``about/*.html`` (about pages, incl. ``effort``), ``info/*.html`` (course info), ``tabs/*.html``
  (static tabs, named in the policy's ``tabs``);
* ``drafts/``: unpublished changes, which are never read (a snapshot is the published course).

An inline child without ``url_name`` gets a stable id derived from its parent and position, as the import derives
one from content. ``graded`` is inherited down the tree, as the platform's InheritanceMixin does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from opaque_keys.edx.locator import CourseLocator

from oars_platform.sources.course_structure import BlockNode, CourseListing, CourseSnapshot
from oars_platform.sources.olx_files import ExportFiles, OlxError

#: Tags whose XML children are child blocks; other blocks' children are their content (problem markup, sources).
CONTAINER_TAGS = frozenset(
    {"course", "chapter", "sequential", "vertical", "library_content", "split_test", "conditional", "itembank", "unit"}
)
#: Elements under a container that are not blocks.
NON_BLOCK_TAGS = frozenset({"wiki", "textbook"})
AGGREGATOR_TAGS = frozenset({"course", "chapter", "sequential", "vertical", "library_content", "split_test"})
EXCLUDED_TAGS = frozenset({"discussion"})
_TRUE = {"true", "1", "yes"}
DETACHED_FOLDERS = (("about", "about"), ("info", "course_info"), ("tabs", "static_tab"))


def completion_mode(block_type: str) -> str:
    """The completion mode the block's class declares (aggregator for containers, excluded for discussions)."""
    if block_type in AGGREGATOR_TAGS:
        return "aggregator"
    return "excluded" if block_type in EXCLUDED_TAGS else "completable"


def _bool(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in _TRUE)


def _time(value: Any) -> dt.datetime | None:
    """An OLX date (``2026-01-15T00:00:00Z``, possibly JSON-quoted) as an aware datetime; None if absent/unparsable."""
    if not isinstance(value, str) or not value.strip().strip('"'):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip().strip('"').replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class _Reader:
    """Walks one export: resolves pointers, merges policy, inherits ``graded``, collects blocks."""

    def __init__(self, files: ExportFiles, course_key: CourseLocator, policy: dict[str, dict[str, Any]]) -> None:
        self.files = files
        self.course_key = course_key
        self.policy = policy
        self.blocks: dict[str, BlockNode] = {}

    def settings(self, element: ElementTree.Element, policy_name: str) -> dict[str, Any]:
        """XML attributes overlaid with the policy entry of this block (``{tag}/{policy_name}``)."""
        return {**element.attrib, **self.policy.get(f"{element.tag}/{policy_name}", {})}

    def resolve(self, element: ElementTree.Element) -> ElementTree.Element:
        """The block's definition: the pointed-to file for a pointer tag, else the element itself."""
        url_name = element.get("url_name")
        if url_name and len(element) == 0 and set(element.attrib) <= {"url_name", "xblock-family"}:
            target = self.files.xml(f"{element.tag}/{url_name}.xml")
            if target is not None:
                return target
        return element

    def block(
        self, element: ElementTree.Element, url_name: str, inherited_graded: bool, policy_name: str | None = None
    ) -> str:
        """Read one block and its subtree; return its location."""
        definition = self.resolve(element)
        values = {**definition.attrib, **self.settings(element, policy_name or url_name)}
        location = str(self.course_key.make_usage_key(element.tag, url_name))
        graded = _bool(values["graded"]) if "graded" in values else inherited_graded
        children: list[str] = []
        if element.tag in CONTAINER_TAGS:
            for index, child in enumerate(c for c in definition if isinstance(c.tag, str)):
                if child.tag in NON_BLOCK_TAGS:
                    continue
                child_name = child.get("url_name") or _derived_id(location, child.tag, index)
                children.append(self.block(child, child_name, graded))
        self.blocks[location] = BlockNode(
            location=location,
            block_type=element.tag,
            display_name=str(values.get("display_name") or url_name.replace("_", " ")),
            children=tuple(children),
            graded=graded,
            completion_mode=completion_mode(element.tag),
            tags=tuple(str(tag) for tag in values.get("tags", []) if isinstance(values.get("tags"), list)),
        )
        return location

    def detached(self, tab_names: dict[str, str]) -> dict[str, str]:
        """About pages, course info and static tabs; returns the about pages' text by name (for ``effort``)."""
        about: dict[str, str] = {}
        for folder, block_type in DETACHED_FOLDERS:
            for name in self.files.names_in(folder):
                stem, _, extension = name.rsplit("/", 1)[-1].rpartition(".")
                if extension != "html" or not stem:
                    continue
                location = str(self.course_key.make_usage_key(block_type, stem))
                self.blocks[location] = BlockNode(
                    location=location,
                    block_type=block_type,
                    display_name=tab_names.get(stem, stem.replace("_", " ")),
                    completion_mode=completion_mode(block_type),
                )
                if block_type == "about":
                    about[stem] = (self.files.read(name) or b"").decode("utf-8", "replace").strip()
        return about


def _derived_id(parent: str, tag: str, index: int) -> str:
    return hashlib.sha1(f"{parent}/{tag}/{index}".encode(), usedforsecurity=False).hexdigest()[:20]


def course_key_of(files: ExportFiles) -> tuple[CourseLocator, str]:
    """The course key named by ``course.xml`` and the run's url_name."""
    root = files.xml("course.xml")
    if root is None or root.tag != "course":
        raise OlxError(f"{files.path}: course.xml has no <course> element")
    org, number, run = root.get("org"), root.get("course"), root.get("url_name")
    if not (org and number and run):
        raise OlxError(f"{files.path}: course.xml must set org, course and url_name")
    return CourseLocator(org, number, run), run


def read_export(path: str | Path) -> CourseSnapshot:
    """Read the published course of the export at ``path`` (a folder or a tarball)."""
    read_at = dt.datetime.now(dt.UTC)
    with ExportFiles(path) as files:
        course_key, run = course_key_of(files)
        policy = _json(files, f"policies/{run}/policy.json")
        course_element = files.xml(f"course/{run}.xml")
        if course_element is None:
            course_element = files.xml("course.xml")  # an old-style export with the course inline
        assert course_element is not None
        reader = _Reader(files, course_key, policy)
        # After import the course root's block id is "course", whatever the run's url_name.
        root = reader.block(course_element, "course", inherited_graded=False, policy_name=run)
        course = reader.settings(course_element, run)
        tabs = {tab.get("url_slug", ""): tab.get("name", "") for tab in course.get("tabs", []) if isinstance(tab, dict)}
        about = reader.detached(tabs)
        cutoffs = _json(files, f"policies/{run}/grading_policy.json").get("GRADE_CUTOFFS") or {}
        return CourseSnapshot(
            course_key=str(course_key),
            display_name=str(course.get("display_name") or ""),
            root=root,
            blocks=reader.blocks,
            source="olx",
            read_at=read_at,
            modified=files.modified,
            start=_time(course.get("start")),
            end=_time(course.get("end")),
            enrollment_start=_time(course.get("enrollment_start")),
            enrollment_end=_time(course.get("enrollment_end")),
            self_paced=_bool(course.get("self_paced", False)),
            course_data={
                "advertised_start": course.get("advertised_start"),
                "announcement": course.get("announcement"),
                "lowest_passing_grade": min(cutoffs.values()) if cutoffs else None,
                "invitation_only": _bool(course.get("invitation_only", False)),
                "max_student_enrollments_allowed": course.get("max_student_enrollments_allowed"),
                "effort": about.get("effort"),
                "enable_proctored_exams": _bool(course.get("enable_proctored_exams", False)),
                "entrance_exam_enabled": _bool(course.get("entrance_exam_enabled", False)),
                "external_id": course.get("external_id"),
                "language": course.get("language"),
                "tags": [],
            },
        )


def _json(files: ExportFiles, relative: str) -> dict[str, Any]:
    data = files.read(relative)
    if data is None:
        return {}
    try:
        loaded = json.loads(data)
    except ValueError as exc:
        raise OlxError(f"{relative}: not valid JSON ({exc})") from None
    return loaded if isinstance(loaded, dict) else {}


class OlxSource:
    """Course exports on disk as a course source (for ``dump_courses_to_clickhouse --olx`` and the tests)."""

    name = "olx"

    def __init__(self, paths: Sequence[str | Path]) -> None:
        self.paths = [Path(path) for path in paths]
        self._by_key: dict[str, Path] = {}

    def list_courses(self) -> list[CourseListing]:
        """One listing per export, keyed by the course it holds; a path that is not an export raises OlxError."""
        listings = []
        for path in self.paths:
            with ExportFiles(path) as files:
                key, _ = course_key_of(files)
                self._by_key[str(key)] = path
                listings.append(CourseListing(str(key), files.modified))
        return listings

    def read(self, course_key: str) -> CourseSnapshot | None:
        """The export holding ``course_key`` (after :meth:`list_courses`), or None."""
        if not self._by_key:
            self.list_courses()
        path = self._by_key.get(course_key)
        return None if path is None else read_export(path)

    def derived_courses(self, snapshot: CourseSnapshot) -> Iterator[CourseSnapshot]:
        """Exports carry no CCXs."""
        return iter(())
