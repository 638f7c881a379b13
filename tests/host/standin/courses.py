"""A seeded generator of realistic courses in the stand-in modulestore.

``build_course(CourseSpec(...))`` creates course → sections → subsections → units → components with a mix of
html/video/problem/discussion, graded subsections with an assignment ``format`` and due dates, detached blocks
(about, course_info, static_tab), publishes everything in one bulk operation (so ``course_published`` fires
once), then optionally adds drafts that are never published, and refreshes the CourseOverview. The same seed
always yields the same block ids and names.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from opaque_keys.edx.keys import CourseKey, UsageKey
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
from xmodule.modulestore import ModuleStoreEnum
from xmodule.modulestore.django import modulestore
from xmodule.modulestore.mixed import MixedModuleStore

COMPONENT_MIX = (("html", 35), ("video", 25), ("problem", 30), ("discussion", 10))
ASSIGNMENT_TYPES = ("Homework", "Lab", "Final Exam")
TOPICS = (
    "Introduction",
    "Foundations",
    "Data and Models",
    "Working with Evidence",
    "Applications",
    "Case Studies",
    "Advanced Topics",
    "Review",
)


@dataclass(frozen=True)
class CourseSpec:
    """What to build; every count is per parent."""

    org: str = "edX"
    number: str = "DemoX"
    run: str = "2026_T1"
    display_name: str | None = None
    sections: int = 3
    subsections_per_section: int = 2
    units_per_subsection: int = 2
    components_per_unit: int = 3
    graded_ratio: float = 0.5
    staff_only_sections: int = 0
    detached: bool = True
    unpublished_units: int = 0
    unpublished_components: int = 0
    self_paced: bool = False
    start: datetime = datetime(2026, 1, 15, tzinfo=UTC)
    end: datetime | None = datetime(2026, 6, 30, tzinfo=UTC)
    seed: int = 0


@dataclass
class BuiltCourse:
    """Keys of what was built, by role, so tests can assert on them without walking the store."""

    course_key: CourseKey
    root: UsageKey
    sections: list[UsageKey] = field(default_factory=list)
    subsections: list[UsageKey] = field(default_factory=list)
    graded_subsections: list[UsageKey] = field(default_factory=list)
    units: list[UsageKey] = field(default_factory=list)
    components: list[UsageKey] = field(default_factory=list)
    detached: list[UsageKey] = field(default_factory=list)
    unpublished: list[UsageKey] = field(default_factory=list)
    overview: CourseOverview | None = None

    @property
    def published_keys(self) -> list[UsageKey]:
        """Every block in the published tree (detached blocks and unpublished drafts excluded)."""
        return [self.root, *self.sections, *self.subsections, *self.units, *self.components]


class _Builder:
    """Holds the seeded RNG and the store while one course is built."""

    def __init__(self, spec: CourseSpec, store: MixedModuleStore, user_id: int) -> None:
        self.spec = spec
        self.store = store
        self.user_id = user_id
        self.rng = random.Random(spec.seed)

    def block_id(self) -> str:
        """Studio-style 32-hex block id, reproducible from the seed."""
        return f"{self.rng.getrandbits(128):032x}"

    def child(self, parent: UsageKey, block_type: str, **fields: object) -> UsageKey:
        block = self.store.create_child(self.user_id, parent, block_type, block_id=self.block_id(), fields=fields)
        return block.location

    def component(self, parent: UsageKey, index: int) -> UsageKey:
        block_type = self.rng.choices([t for t, _ in COMPONENT_MIX], weights=[w for _, w in COMPONENT_MIX])[0]
        return self.child(parent, block_type, **self.component_fields(block_type, index))

    def component_fields(self, block_type: str, index: int) -> dict[str, object]:
        if block_type == "problem":
            return {
                "display_name": f"Problem {index}",
                "weight": self.rng.choice([None, 1.0, 2.0]),
                "max_attempts": self.rng.choice([None, 1, 3]),
                "data": '<problem><multiplechoiceresponse><choicegroup type="MultipleChoice">'
                '<choice correct="true">A</choice><choice correct="false">B</choice>'
                "</choicegroup></multiplechoiceresponse></problem>",
            }
        if block_type == "video":
            return {
                "display_name": f"Video {index}",
                "youtube_id_1_0": f"{self.rng.getrandbits(44):011x}",
                "duration": self.rng.randint(60, 900),
            }
        if block_type == "discussion":
            return {
                "display_name": f"Discussion {index}",
                "discussion_id": self.block_id(),
                "discussion_category": "Week discussions",
                "discussion_target": f"Topic {index}",
            }
        return {"display_name": f"Reading {index}", "data": f"<p>Reading material {index}.</p>"}

    def subsection_fields(self, section_index: int, sub_index: int) -> tuple[dict[str, object], bool]:
        fields: dict[str, object] = {"display_name": f"Lesson {section_index}.{sub_index}"}
        graded = self.rng.random() < self.spec.graded_ratio
        if graded:
            fields["graded"] = True
            fields["format"] = self.rng.choice(ASSIGNMENT_TYPES)
            fields["due"] = self.spec.start + timedelta(weeks=2 * section_index + sub_index)
        return fields, graded

    def detached_blocks(self, built: BuiltCourse) -> None:
        about = {
            "overview": "<section class='about'><h2>About This Course</h2><p>A generated course.</p></section>",
            "short_description": "A generated course for tests and the demo.",
            "effort": f"{self.rng.randint(2, 8)}:00",
        }
        for block_id, data in about.items():
            built.detached.append(
                self.store.create_item(
                    self.user_id, built.course_key, "about", block_id, fields={"data": data}
                ).location
            )
        for block_id in ("updates", "handouts"):
            block = self.store.create_item(self.user_id, built.course_key, "course_info", block_id, data="<ol></ol>")
            built.detached.append(block.location)
        tab = self.store.create_item(
            self.user_id, built.course_key, "static_tab", self.block_id(), display_name="Syllabus", data="<p>Weeks</p>"
        )
        built.detached.append(tab.location)


def build_course(
    spec: CourseSpec | None = None,
    *,
    store: MixedModuleStore | None = None,
    user_id: int = ModuleStoreEnum.UserID.test,
) -> BuiltCourse:
    """Build, publish and register one course; see the module docstring."""
    spec = spec or CourseSpec()
    store = store or modulestore()
    builder = _Builder(spec, store, user_id)
    course_key = store.make_course_key(spec.org, spec.number, spec.run)
    with store.bulk_operations(course_key):
        course = store.create_course(
            spec.org,
            spec.number,
            spec.run,
            user_id,
            display_name=spec.display_name or f"{spec.number}: Generated Course",
            start=spec.start,
            end=spec.end,
            self_paced=spec.self_paced,
            language="en",
            enrollment_start=spec.start - timedelta(days=30),
        )
        built = BuiltCourse(course_key=course.id, root=course.location)
        _build_tree(builder, built)
        if spec.detached:
            builder.detached_blocks(built)
        store.publish(built.root, user_id)
    _add_unpublished_drafts(builder, built)
    built.overview = CourseOverview.load_from_module_store(built.course_key)
    return built


def _build_tree(builder: _Builder, built: BuiltCourse) -> None:
    spec = builder.spec
    component_index = 0
    for s in range(1, spec.sections + 1):
        section_fields: dict[str, object] = {"display_name": f"Section {s}: {TOPICS[(s - 1) % len(TOPICS)]}"}
        if s > spec.sections - spec.staff_only_sections:
            section_fields["visible_to_staff_only"] = True
        section = builder.child(built.root, "chapter", **section_fields)
        built.sections.append(section)
        for ss in range(1, spec.subsections_per_section + 1):
            fields, graded = builder.subsection_fields(s, ss)
            subsection = builder.child(section, "sequential", **fields)
            built.subsections.append(subsection)
            if graded:
                built.graded_subsections.append(subsection)
            for u in range(1, spec.units_per_subsection + 1):
                unit = builder.child(subsection, "vertical", display_name=f"Unit {s}.{ss}.{u}")
                built.units.append(unit)
                for _ in range(spec.components_per_unit):
                    component_index += 1
                    built.components.append(builder.component(unit, component_index))


def _add_unpublished_drafts(builder: _Builder, built: BuiltCourse) -> None:
    """Units and components added after the publish: they exist only in the draft branch."""
    for i in range(builder.spec.unpublished_units):
        parent = builder.rng.choice(built.subsections)
        built.unpublished.append(builder.child(parent, "vertical", display_name=f"Draft unit {i + 1}"))
    for i in range(builder.spec.unpublished_components):
        parent = builder.rng.choice(built.units)
        built.unpublished.append(builder.child(parent, "html", display_name=f"Draft reading {i + 1}", data="<p>?</p>"))
