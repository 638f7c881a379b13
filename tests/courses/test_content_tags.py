"""Content tags (openedx-core's tagging, the platform's ``content_tagging.api``) in course dumps and the tag sinks."""

from __future__ import annotations

import json

import pytest
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
from standin import factories
from standin.courses import CourseSpec, build_course

from oars_platform.platform.modulestore import ModulestoreSource
from oars_platform.sinks.courses import dump_course

pytestmark = pytest.mark.django_db


def _blocks(reader, course_key: str) -> dict[str, dict]:
    return {row["location"]: json.loads(row["xblock_data_json"]) for row in reader.sink_blocks(course_key)}


def test_a_course_with_content_tags_dumps_those_tags_with_their_ancestors(store, reader) -> None:
    built = build_course(CourseSpec(seed=11))
    subjects = factories.create_taxonomy("Subjects")
    science = factories.create_tag(subjects, "Science")
    physics = factories.create_tag(subjects, "Physics", parent=science)
    level = factories.create_taxonomy("Level")
    advanced = factories.create_tag(level, "Advanced")
    hidden = factories.create_taxonomy("Hidden", enabled=False)
    secret = factories.create_tag(hidden, "Secret")
    component = built.components[0]
    factories.tag_content(component, subjects, physics)
    factories.tag_content(component, level, advanced)
    factories.tag_content(component, hidden, secret)  # a disabled taxonomy's tags are not the block's
    factories.tag_content(built.course_key, level, advanced)

    dump_course(ModulestoreSource(), str(built.course_key))

    blocks = _blocks(reader, str(built.course_key))
    assert blocks[str(component)]["tags"] == sorted([science.id, physics.id, advanced.id])
    assert blocks[str(built.components[1])]["tags"] == []
    (overview,) = reader.overviews(str(built.course_key))
    assert json.loads(overview["course_data_json"])["tags"] == [advanced.id]


def test_course_external_id_comes_from_course_overview(store, reader) -> None:
    built = build_course(CourseSpec(seed=12))
    CourseOverview.objects.filter(id=built.course_key).update(external_id="SIS-4711")
    dump_course(ModulestoreSource(), str(built.course_key))
    (overview,) = reader.overviews(str(built.course_key))
    assert json.loads(overview["course_data_json"])["external_id"] == "SIS-4711"


def test_detached_block_types_are_the_platforms(store, reader, monkeypatch) -> None:
    from xmodule.modulestore import store_utilities

    built = build_course(CourseSpec(seed=13))
    # A site whose installed XBlocks tag only "about" as detached: the others are not dumped as detached blocks.
    monkeypatch.setattr(store_utilities, "DETACHED_XBLOCK_TYPES", {"about"})
    dump_course(ModulestoreSource(), str(built.course_key))
    blocks = _blocks(reader, str(built.course_key)).values()
    assert {block["block_type"] for block in blocks if block["detached"]} == {"about"}
