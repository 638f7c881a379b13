"""Generate OLX course exports: realistic shapes for the tests, the benchmark and the demo, written by us.

``generate_olx(OlxSpec(...), folder)`` writes a Studio-style export (``course.xml``, ``course/RUN.xml``, per-type
folders for chapters, sequentials, verticals and components, ``policies/RUN/{policy,grading_policy}.json``,
``about/``, ``info/``, ``tabs/`` and optionally ``drafts/``) and returns what it wrote, in course-tree order, so a
test can compare a dump against the truth without re-reading the export. ``inline=True`` writes the whole tree
inside ``course/RUN.xml`` instead, the other layout OLX allows. The same spec and seed always give the same ids.
"""

from __future__ import annotations

import json
import random
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from opaque_keys.edx.locator import CourseLocator

COMPONENTS = (("html", 35), ("video", 25), ("problem", 30), ("discussion", 10))


@dataclass(frozen=True)
class OlxSpec:
    """What to generate; counts are per parent."""

    org: str = "OarsX"
    number: str = "GEN101"
    run: str = "2026_T1"
    display_name: str = "Generated Course"
    sections: int = 3
    subsections_per_section: int = 2
    units_per_subsection: int = 2
    components_per_unit: int = 3
    #: Units that also hold a nested vertical with one component (a shape some imported courses have).
    nested_verticals: int = 0
    graded_ratio: float = 0.5
    detached: bool = True
    #: Unpublished draft units written under ``drafts/`` (never part of the published course).
    drafts: int = 0
    inline: bool = False
    seed: int = 0


@dataclass
class GeneratedCourse:
    """Usage keys of what was written, by role; ``tree`` is every tree block in depth-first order."""

    course_key: str
    folder: Path
    tree: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    subsections: list[str] = field(default_factory=list)
    graded_subsections: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    detached: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


class _Writer:
    """Builds the element tree and the per-type files for one spec."""

    def __init__(self, spec: OlxSpec, folder: Path) -> None:
        self.spec = spec
        self.folder = folder
        self.rng = random.Random(spec.seed)
        self.key = CourseLocator(spec.org, spec.number, spec.run)
        self.out = GeneratedCourse(str(self.key), folder)
        #: Per-type files of the folder layout: (relative path, the block's definition element).
        self.files_to_write: list[tuple[str, ElementTree.Element]] = []

    def block_id(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def add(self, parent: ElementTree.Element, tag: str, role: list[str] | None, **attrs: str) -> ElementTree.Element:
        """Create a block under ``parent``; in folder layout the parent gets a pointer, the block its own file."""
        url_name = self.block_id()
        location = str(self.key.make_usage_key(tag, url_name))
        self.out.tree.append(location)
        self.out.names[location] = attrs.get("display_name", "")
        if role is not None:
            role.append(location)
        if self.spec.inline:
            return ElementTree.SubElement(parent, tag, {"url_name": url_name, **attrs})
        ElementTree.SubElement(parent, tag, {"url_name": url_name})
        element = ElementTree.Element(tag, attrs)
        self.files_to_write.append((f"{tag}/{url_name}.xml", element))
        return element

    def component(self, unit: ElementTree.Element, index: int) -> None:
        tag = self.rng.choices([t for t, _ in COMPONENTS], weights=[w for _, w in COMPONENTS])[0]
        names = {"html": "Reading", "video": "Video", "problem": "Problem", "discussion": "Discussion"}
        element = self.add(unit, tag, self.out.components, display_name=f"{names[tag]} {index}")
        if tag == "problem":
            response = ElementTree.SubElement(element, "multiplechoiceresponse")
            group = ElementTree.SubElement(response, "choicegroup", {"type": "MultipleChoice"})
            ElementTree.SubElement(group, "choice", {"correct": "true"}).text = "A"
            ElementTree.SubElement(group, "choice", {"correct": "false"}).text = "B"
        elif tag == "video":
            element.set("youtube_id_1_0", f"{self.rng.getrandbits(44):011x}")
        elif tag == "discussion":
            element.set("discussion_id", self.block_id())
        else:
            element.text = f"<p>Reading material {index}.</p>"


def generate_olx(spec: OlxSpec, folder: str | Path) -> GeneratedCourse:
    """Write the export described by ``spec`` into ``folder`` (created); return what was written."""
    folder = Path(folder)
    writer = _Writer(spec, folder)
    course = ElementTree.Element("course", {"display_name": spec.display_name, "language": "en"})
    writer.out.tree.append(str(writer.key.make_usage_key("course", "course")))
    writer.out.names[writer.out.tree[0]] = spec.display_name
    _tree(writer, course)
    files: dict[str, bytes | str] = {
        "course.xml": _xml(
            ElementTree.Element("course", {"url_name": spec.run, "org": spec.org, "course": spec.number})
        ),
        f"course/{spec.run}.xml": _xml(course),
        f"policies/{spec.run}/policy.json": json.dumps(_policy(spec), indent=2),
        f"policies/{spec.run}/grading_policy.json": json.dumps({"GRADER": [], "GRADE_CUTOFFS": {"Pass": 0.5}}),
    }
    files.update({name: _xml(element) for name, element in writer.files_to_write})
    if spec.detached:
        files.update(_detached(writer))
    files.update(_drafts(writer))
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return writer.out


def _tree(writer: _Writer, course: ElementTree.Element) -> None:
    spec, out = writer.spec, writer.out
    index = 0
    nested_left = spec.nested_verticals
    for s in range(1, spec.sections + 1):
        section = writer.add(course, "chapter", out.sections, display_name=f"Section {s}")
        for ss in range(1, spec.subsections_per_section + 1):
            graded = writer.rng.random() < spec.graded_ratio
            attrs = {"display_name": f"Lesson {s}.{ss}"}
            if graded:
                attrs.update(graded="true", format="Homework")
            subsection = writer.add(section, "sequential", out.subsections, **attrs)
            if graded:
                out.graded_subsections.append(out.subsections[-1])
            for u in range(1, spec.units_per_subsection + 1):
                unit = writer.add(subsection, "vertical", out.units, display_name=f"Unit {s}.{ss}.{u}")
                for _ in range(spec.components_per_unit):
                    index += 1
                    writer.component(unit, index)
                if nested_left > 0:
                    nested_left -= 1
                    inner = writer.add(unit, "vertical", None, display_name=f"Nested {s}.{ss}.{u}")
                    index += 1
                    writer.component(inner, index)


def _policy(spec: OlxSpec) -> dict[str, object]:
    return {
        f"course/{spec.run}": {
            "display_name": spec.display_name,
            "start": "2026-01-15T00:00:00Z",
            "end": "2026-06-30T00:00:00Z",
            "enrollment_start": "2025-12-15T00:00:00Z",
            "self_paced": False,
            "language": "en",
            "tabs": [{"type": "static_tab", "name": "Syllabus", "url_slug": "syllabus"}],
        }
    }


def _detached(writer: _Writer) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = {
        "about/overview.html": "<section class='about'><h2>About This Course</h2></section>",
        "about/effort.html": "4:00",
        "about/short_description.html": "A generated course.",
        "info/updates.html": "<ol></ol>",
        "info/handouts.html": "<ol></ol>",
        "tabs/syllabus.html": "<p>Weeks</p>",
    }
    types = {"about": "about", "info": "course_info", "tabs": "static_tab"}
    for name in files:
        folder, stem = name.split("/")[0], name.split("/")[1].rsplit(".", 1)[0]
        writer.out.detached.append(str(writer.key.make_usage_key(types[folder], stem)))
    return files


def _drafts(writer: _Writer) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = {}
    for i in range(writer.spec.drafts):
        url_name = writer.block_id()
        parent = writer.out.subsections[i % len(writer.out.subsections)]
        element = ElementTree.Element(
            "vertical", {"display_name": f"Draft unit {i + 1}", "parent_url": parent, "index_in_children_list": "0"}
        )
        writer.out.drafts.append(str(writer.key.make_usage_key("vertical", url_name)))
        files[f"drafts/vertical/{url_name}.xml"] = _xml(element)
    return files


def _xml(element: ElementTree.Element) -> bytes:
    ElementTree.indent(element)
    return ElementTree.tostring(element, encoding="utf-8", xml_declaration=False)


def write_tarball(folder: str | Path, tarball: str | Path, top: str = "course") -> Path:
    """Pack an export folder as Studio does: a ``.tar.gz`` with one top folder (``course/``)."""
    tarball = Path(tarball)
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(str(folder), arcname=top)
    return tarball
