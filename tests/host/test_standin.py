"""Proof that the stand-in host behaves like the platform where the plugin depends on it.

Run: ``.venv/bin/pytest tests/host -p pytest_django --ds=lms.envs.test -o pythonpath="tests/host ."``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from common.djangoapps.student.models import (
    AnonymousUserId,
    CourseAccessRole,
    CourseEnrollment,
    UserProfile,
    anonymous_id_for_user,
    user_by_anonymous_id,
)
from common.djangoapps.student.roles import CourseInstructorRole, CourseStaffRole, GlobalStaff
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from edx_django_utils.plugins import get_plugin_apps
from lms.djangoapps.certificates.models import GeneratedCertificate
from lms.djangoapps.grades.models import PersistentCourseGrade
from opaque_keys.edx.keys import UsageKey
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
from openedx.core.djangoapps.course_groups.models import CohortMembership, CourseUserGroup
from openedx.core.djangoapps.external_user_ids.models import ExternalId, ExternalIdType
from openedx.core.djangoapps.plugins.constants import ProjectType
from standin import factories
from standin.courses import CourseSpec, build_course
from xmodule.modulestore import ModuleStoreEnum
from xmodule.modulestore.django import COURSE_PUBLISHED, SignalHandler
from xmodule.modulestore.exceptions import ItemNotFoundError
from xmodule.modulestore.mixed import MixedModuleStore

if TYPE_CHECKING:
    from standin.fixtures import EventLog, TrackingCapture

HOST = Path(__file__).resolve().parent
PUBLISHED_ONLY = ModuleStoreEnum.Branch.published_only
DRAFT_PREFERRED = ModuleStoreEnum.Branch.draft_preferred


# ---------------------------------------------------------------------------------------------------- settings
def test_lms_settings_load_plugins_through_entry_points() -> None:
    assert settings.ROOT_URLCONF == "lms.urls"
    assert settings.LMS_ROOT_URL == "http://localhost:18000"
    assert "openedx.core.djangoapps.plugins.apps.PluginsConfig" in settings.INSTALLED_APPS
    assert set(get_plugin_apps(ProjectType.LMS)) <= set(settings.INSTALLED_APPS)
    assert settings.EVENT_TRACKING_BACKENDS["tracking_logs"]["OPTIONS"]["backends"]["logger"]["OPTIONS"]["name"] == (
        "tracking"
    )
    assert settings.CELERY_ALWAYS_EAGER is (os.environ.get("OARS_TEST_CELERY_EAGER", "true").lower() == "true")


def _run_settings_script(settings_module: str, code: str, env: dict[str, str] | None = None) -> dict:
    """Import other settings in a fresh interpreter (settings are process-wide) and return its JSON output."""
    full_env = {**os.environ, "DJANGO_SETTINGS_MODULE": settings_module, **(env or {})}
    full_env["PYTHONPATH"] = os.pathsep.join([str(HOST), str(HOST.parents[1]), full_env.get("PYTHONPATH", "")])
    result = subprocess.run(
        [sys.executable, "-c", code], env=full_env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_apply_yaml_overrides(tmp_path: Path) -> None:
    config = tmp_path / "lms.yml"
    config.write_text(
        "LMS_ROOT_URL: https://courses.example.org\n"
        "FEATURES: {ENABLE_X: true}\n"
        "EVENT_TRACKING_BACKENDS: {extra: {ENGINE: eventtracking.backends.logger.LoggerBackend}}\n"
    )
    code = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'root': s.LMS_ROOT_URL, 'feature': s.FEATURES.get('ENABLE_X'), 'token': s.ENV_TOKENS.get('LMS_ROOT_URL'),"
        "'nested': sorted(s.EVENT_TRACKING_BACKENDS['tracking_logs']['OPTIONS']['backends'])}))"
    )
    out = _run_settings_script("lms.envs.production", code, {"LMS_CFG": str(config)})
    assert out == {
        "root": "https://courses.example.org",
        "feature": True,
        "token": "https://courses.example.org",
        "nested": ["extra", "logger"],
    }


def test_cms_publish_emits_catalog_info_changed(tmp_path: Path) -> None:
    code = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.conf import settings
from openedx_events.content_authoring.signals import COURSE_CATALOG_INFO_CHANGED
from standin.courses import CourseSpec, build_course
seen = []
def on_catalog(signal, sender, catalog_info, **kwargs):
    seen.append(str(catalog_info.course_key))
COURSE_CATALOG_INFO_CHANGED.connect(on_catalog, weak=False)
build_course(CourseSpec(number="Quiet", sections=1, seed=3))  # the toggle is off by default: no event
settings.SEND_CATALOG_INFO_SIGNAL = True
built = build_course(CourseSpec(sections=1, seed=3))
print(json.dumps({"urlconf": settings.ROOT_URLCONF, "branch": settings.MODULESTORE_BRANCH, "seen": seen}))
"""
    out = _run_settings_script(
        "cms.envs.test", code, {"OARS_TEST_DB": "sqlite", "OARS_TEST_SQLITE_PATH": str(tmp_path / "cms.db")}
    )
    assert out == {"urlconf": "cms.urls", "branch": "draft-preferred", "seen": ["course-v1:edX+DemoX+2026_T1"]}


def test_celery_app_reads_django_settings() -> None:
    from lms.celery import APP

    # No namespace, as the platform's app: old-style names apply, new-style uppercase ones would be ignored.
    assert APP.conf.broker_url == settings.BROKER_URL
    assert APP.conf.task_always_eager == settings.CELERY_ALWAYS_EAGER
    assert APP.conf.task_default_queue == settings.CELERY_DEFAULT_QUEUE == "edx.lms.core.default"
    assert "edx.lms.core.default" in APP.conf.task_queues


@pytest.mark.django_db
def test_track_middleware_emits_page_view_with_request_context(client: Any, tracking: TrackingCapture) -> None:
    user = factories.create_user()
    client.force_login(user)

    client.get(
        "/dashboard?tab=progress",
        HTTP_USER_AGENT="Mozilla/5.0",
        HTTP_REFERER="https://lms.example.com/dashboard",
    )
    client.get("/courses/course-v1:edX+DemoX+2026_T1/courseware/ch1/", {"password": "secret"})
    client.get("/heartbeat")  # ignored by TRACKING_IGNORE_URL_PATTERNS, like /event and /login

    views = [event for event in tracking.events if event["name"].startswith("/")]
    assert [event["name"] for event in views] == ["/dashboard", "/courses/course-v1:edX+DemoX+2026_T1/courseware/ch1/"]
    first, second = views
    assert first["context"]["user_id"] == user.id and first["context"]["username"] == user.username
    assert first["context"]["agent"] == "Mozilla/5.0" and first["context"]["event_source"] == "server"
    assert len(first["context"]["session"]) == 32 and first["context"]["course_id"] == ""
    assert json.loads(first["data"]) == {"GET": {"tab": ["progress"]}, "POST": {}}
    assert second["context"]["course_id"] == "course-v1:edX+DemoX+2026_T1" and second["context"]["org_id"] == "edX"
    assert json.loads(second["data"])["GET"] == {"password": "********"}


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    apps = ["student", "external_user_ids", "course_overviews", "course_groups", "grades", "certificates", "ccx"]
    call_command("makemigrations", *apps, check=True, dry_run=True, verbosity=0)


@pytest.mark.django_db
def test_tables_have_platform_names() -> None:
    expected = {
        CourseEnrollment: "student_courseenrollment",
        UserProfile: "auth_userprofile",
        AnonymousUserId: "student_anonymoususerid",
        CourseAccessRole: "student_courseaccessrole",
        ExternalId: "external_user_ids_externalid",
        ExternalIdType: "external_user_ids_externalidtype",
        CourseOverview: "course_overviews_courseoverview",
        PersistentCourseGrade: "grades_persistentcoursegrade",
        GeneratedCertificate: "certificates_generatedcertificate",
        CourseUserGroup: "course_groups_courseusergroup",
        CohortMembership: "course_groups_cohortmembership",
    }
    tables = set(connection.introspection.table_names())
    for model, table in expected.items():
        assert model._meta.db_table == table
        assert table in tables
    enrollment_columns = {
        c.name for c in connection.introspection.get_table_description(connection.cursor(), "student_courseenrollment")
    }
    assert enrollment_columns == {"id", "user_id", "course_id", "created", "is_active", "mode"}


# ---------------------------------------------------------------------------------------------------- enrollments
@pytest.mark.django_db
def test_new_enrollment_emits_changed_then_created(events: EventLog, tracking: TrackingCapture) -> None:
    user = factories.create_user(name="Ada Lovelace")
    overview = factories.create_course_overview(display_name="Analytical Engines")

    enrollment = factories.enroll(user, overview.id, mode="verified")

    assert events.names == ["changed", "created"]
    for _, data in events.events:
        assert data.user.id == user.id
        assert data.user.pii.name == "Ada Lovelace"
        assert data.user.pii.username == user.username
        assert data.course.course_key == overview.id
        assert data.course.display_name == "Analytical Engines"
        assert (data.mode, data.is_active, data.created_by) == ("verified", True, None)
        assert data.creation_date == enrollment.created
    activated = [e for e in tracking.events if e["name"] == "edx.course.enrollment.activated"]
    assert len(activated) == 1
    assert activated[0]["data"] == {"user_id": user.id, "course_id": str(overview.id), "mode": "verified"}
    assert activated[0]["context"]["org_id"] == overview.id.org


@pytest.mark.django_db
def test_reenrolling_active_learner_emits_only_created(events: EventLog) -> None:
    user = factories.create_user()
    key = factories.create_course_overview().id
    factories.enroll(user, key)
    events.clear()

    factories.enroll(user, key)

    assert events.names == ["created"]


@pytest.mark.django_db
def test_unenroll_emits_changed_then_unenrollment_completed(events: EventLog) -> None:
    user = factories.create_user()
    key = factories.create_course_overview().id
    factories.enroll(user, key)
    events.clear()

    CourseEnrollment.unenroll(user, key)

    assert events.names == ["changed", "completed"]
    assert all(data.is_active is False for _, data in events.events)
    assert not CourseEnrollment.is_enrolled(user, key)
    CourseEnrollment.unenroll(user, factories.course_key())  # unknown enrollment: logged, no event
    assert events.names == ["changed", "completed"]


@pytest.mark.django_db
def test_mode_change_emits_changed_only(events: EventLog) -> None:
    user = factories.create_user()
    enrollment = factories.enroll(user, factories.create_course_overview().id)
    events.clear()

    enrollment.update_enrollment(mode="verified")
    enrollment.update_enrollment(mode="verified")  # no change, no event

    assert events.names == ["changed"]
    assert events.events[0][1].mode == "verified"


# ------------------------------------------------------------------------------ grades, certs, cohorts
@pytest.mark.django_db
def test_grade_event_carries_course_key_only_and_keeps_first_pass(events: EventLog) -> None:
    user = factories.create_user()
    key = factories.create_course_overview(display_name="Has a name").id

    factories.set_grade(user, key, 0.3)
    first = factories.set_grade(user, key, 0.8)
    passed_at = first.passed_timestamp
    factories.set_grade(user, key, 0.9)

    assert events.names == ["changed", "changed", "changed"]
    grades = [data for _, data in events.events]
    assert grades[0].course.course_key == key and grades[0].course.display_name == ""
    assert grades[0].passed_timestamp is None
    assert [g.percent_grade for g in grades] == [0.3, 0.8, 0.9]
    assert passed_at is not None and grades[2].passed_timestamp == passed_at
    assert PersistentCourseGrade.read(user.id, key).letter_grade == "Pass"


@pytest.mark.django_db
def test_certificate_events_on_every_save_and_revoke(events: EventLog) -> None:
    user = factories.create_user(name="Grace Hopper")
    key = factories.create_course_overview().id

    certificate = factories.issue_certificate(user, key, status="downloadable")
    certificate.save()
    certificate.invalidate()

    assert events.names == ["changed", "created", "changed", "created", "changed", "revoked"]
    created = events.events[1][1]
    assert (created.current_status, created.previous_status, created.name) == ("downloadable", "", "Grace Hopper")
    assert created.user.pii.name == "Grace Hopper"
    revoked = events.events[-1][1]
    assert (revoked.current_status, revoked.download_url, revoked.grade) == ("unavailable", "", "")


@pytest.mark.django_db
def test_cohort_membership_event_and_move(events: EventLog) -> None:
    user = factories.create_user()
    key = factories.create_course_overview().id

    factories.add_to_cohort(user, key, "Group A")
    factories.add_to_cohort(user, key, "Group B")

    assert events.names == ["changed", "changed"]
    assert [data.name for _, data in events.events] == ["Group A", "Group B"]
    assert CohortMembership.objects.get(user=user, course_id=key).course_user_group.name == "Group B"
    assert list(CourseUserGroup.objects.get(name="Group A").users.all()) == []
    assert list(CourseUserGroup.objects.get(name="Group B").users.all()) == [user]
    with pytest.raises(ValueError, match="already present"):
        CohortMembership.assign(CourseUserGroup.objects.get(name="Group B"), user)


# ---------------------------------------------------------------------------------------------------- ids and roles
@pytest.mark.django_db
def test_external_ids_are_stable_and_batchable() -> None:
    alice, bob = factories.create_user(), factories.create_user(external_id_types=())

    first, created = ExternalId.add_new_user_id(alice, ExternalIdType.XAPI)
    again, created_again = ExternalId.add_new_user_id(alice, ExternalIdType.XAPI)
    batch = ExternalId.batch_get_or_create_user_ids([alice, bob], ExternalIdType.XAPI)

    assert created is False  # the factory already created it
    assert created_again is False
    assert first.external_user_id == again.external_user_id
    assert batch[alice.id].external_user_id == first.external_user_id
    assert batch[bob.id].external_user_id != first.external_user_id
    assert ExternalId.batch_get_or_create_user_ids([bob], "xapi")[bob.id].pk == batch[bob.id].pk
    assert ExternalId.add_new_user_id(alice, "no-such-type") == (None, False)
    assert set(ExternalIdType.objects.values_list("name", flat=True)) >= {"xapi", "caliper", "lti"}


@pytest.mark.django_db
def test_anonymous_id_for_user_is_stored_and_stable() -> None:
    user = factories.create_user()
    key = factories.course_key()

    course_id = anonymous_id_for_user(user, key)
    agnostic = anonymous_id_for_user(user, None)

    assert len(course_id) == 32 and int(course_id, 16) >= 0
    assert course_id != agnostic
    assert anonymous_id_for_user(user, key) == course_id
    assert AnonymousUserId.objects.filter(user=user).count() == 2
    assert user_by_anonymous_id(course_id) == user


@pytest.mark.django_db
def test_roles_are_backed_by_course_access_role(events: EventLog) -> None:
    staff, instructor, admin = factories.create_user(), factories.create_user(), factories.create_user()
    key = factories.create_course_overview().id

    factories.add_course_staff(staff, key)
    factories.add_course_staff(instructor, key, role="instructor")
    GlobalStaff().add_users(admin)

    assert CourseStaffRole(key).has_user(staff) and not CourseStaffRole(key).has_user(instructor)
    assert CourseInstructorRole(key).has_user(instructor)
    assert GlobalStaff().has_user(admin) and not GlobalStaff().has_user(staff)
    assert CourseAccessRole.objects.get(user=staff).role == "staff"
    assert [data.role for _, data in events.events] == ["staff", "instructor"]


@pytest.mark.django_db
def test_populate_course_is_seeded_and_uses_platform_paths(events: EventLog) -> None:
    key = factories.create_course_overview().id

    activity = factories.populate_course(key, learners=12, seed=4)

    assert len(activity.learners) == 12 and len(activity.staff) == 1
    assert CourseEnrollment.objects.filter(course_id=key).count() == 12
    assert CourseEnrollment.objects.filter(course_id=key, is_active=True).count() == 12 - len(activity.unenrolled)
    assert PersistentCourseGrade.objects.filter(course_id=key).count() == len(activity.graded)
    assert events.names.count("created") == 12 + len(activity.certified)  # enrollments + passing certificates


@pytest.mark.django_db
def test_registration_and_forum_helpers_send_their_events() -> None:
    from openedx_events.event_bus.avro.serializer import serialize_event_data_to_bytes
    from openedx_events.learning.signals import FORUM_THREAD_CREATED, STUDENT_REGISTRATION_COMPLETED

    received: list[tuple[str, Any]] = []

    def on_event(sender: Any, signal: Any, **kwargs: Any) -> None:
        received.append((signal.event_type, kwargs.get("user") or kwargs.get("thread")))

    for signal in (STUDENT_REGISTRATION_COMPLETED, FORUM_THREAD_CREATED):
        signal.connect(on_event, weak=False, dispatch_uid=f"test-{signal.event_type}")
    try:
        user = factories.create_user(name="Alan Turing")
        thread = factories.post_forum_thread(user, factories.course_key())
    finally:
        for signal in (STUDENT_REGISTRATION_COMPLETED, FORUM_THREAD_CREATED):
            signal.disconnect(dispatch_uid=f"test-{signal.event_type}")
    assert [event_type for event_type, _ in received] == [
        STUDENT_REGISTRATION_COMPLETED.event_type,
        FORUM_THREAD_CREATED.event_type,
    ]
    assert received[0][1].pii.name == "Alan Turing" and received[1][1] is thread
    assert serialize_event_data_to_bytes({"thread": thread}, FORUM_THREAD_CREATED)  # crosses the event bus


@pytest.mark.django_db
def test_retire_user_sends_misc_signal_with_user() -> None:
    from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC

    received = []

    def on_retire(sender: Any, user: Any, **kwargs: Any) -> None:
        received.append(user)

    USER_RETIRE_LMS_MISC.connect(on_retire, weak=False, dispatch_uid="test-retire")
    try:
        user = factories.create_user()
        factories.retire_user(user)
    finally:
        USER_RETIRE_LMS_MISC.disconnect(dispatch_uid="test-retire")
    assert received == [user]


@pytest.mark.django_db
def test_ccx_locator() -> None:
    coach = factories.create_user()
    ccx = factories.create_ccx(factories.course_key(number="CCXM"), coach)
    assert str(ccx.locator) == f"ccx-v1:edX+CCXM+2026_T1+ccx@{ccx.id}"
    assert ccx.locator.to_course_locator() == ccx.course_id


# ---------------------------------------------------------------------------------------------------- modulestore
@pytest.mark.django_db
def test_unpublished_drafts_are_invisible_on_published_only(store: MixedModuleStore) -> None:
    built = build_course(CourseSpec(unpublished_units=2, unpublished_components=2, seed=7))

    with store.branch_setting(PUBLISHED_ONLY, built.course_key):
        for key in built.unpublished:
            with pytest.raises(ItemNotFoundError):
                store.get_item(key)
        published_keys = {block.location for block in store.get_items(built.course_key)}
        tree = _walk(store.get_course(built.course_key, depth=None))
    with store.branch_setting(DRAFT_PREFERRED, built.course_key):
        draft_tree = _walk(store.get_course(built.course_key, depth=None))
        assert all(store.get_item(key).location == key for key in built.unpublished)

    assert not published_keys & set(built.unpublished)
    assert set(tree) == set(built.published_keys)
    assert set(draft_tree) == set(built.published_keys) | set(built.unpublished)


def _walk(block: Any) -> list[UsageKey]:
    return [block.location] + [key for child in block.get_children() for key in _walk(child)]


@pytest.mark.django_db
def test_default_branch_follows_settings(store: MixedModuleStore, settings: Any) -> None:
    built = build_course(CourseSpec(sections=1, unpublished_units=1, seed=1))
    draft_only = built.unpublished[0]

    assert store.get_branch_setting() == PUBLISHED_ONLY
    assert not store.has_item(draft_only)
    settings.MODULESTORE_BRANCH = DRAFT_PREFERRED
    assert store.has_item(draft_only)
    with store.branch_setting(PUBLISHED_ONLY):
        assert not store.has_item(draft_only)
        assert store.get_item(draft_only, revision=ModuleStoreEnum.RevisionOption.draft_only).location == draft_only


@pytest.mark.django_db
def test_deleting_a_unit_stays_published_until_its_parent_is_published(
    store: MixedModuleStore, events: EventLog, django_capture_on_commit_callbacks: Any
) -> None:
    built = build_course(CourseSpec(sections=1, subsections_per_section=1, units_per_subsection=2, seed=2))
    unit = built.units[0]
    parent = store.get_parent_location(unit)

    with django_capture_on_commit_callbacks(execute=True):
        store.delete_item(unit, user_id=5)

    assert events.names[-1] == "deleted" and events.events[-1][1].usage_key == unit
    with store.branch_setting(DRAFT_PREFERRED):
        assert not store.has_item(unit)
        assert unit not in store.get_item(parent).children
    with store.branch_setting(PUBLISHED_ONLY):
        assert store.has_item(unit)
    store.publish(parent, user_id=5)
    with store.branch_setting(PUBLISHED_ONLY):
        assert not store.has_item(unit)
        assert all(not store.has_item(key) for key in built.components[:3])  # its components went with it
        assert unit not in store.get_item(parent).children


@pytest.mark.django_db
def test_publishing_a_sibling_drops_deleted_units_from_published(store: MixedModuleStore) -> None:
    built = build_course(CourseSpec(sections=1, subsections_per_section=1, units_per_subsection=3, seed=12))
    deleted, sibling, untouched = built.units

    store.delete_item(deleted, user_id=5)
    store.publish(sibling, user_id=5)  # split's copy re-syncs the published parent's children with the draft

    with store.branch_setting(PUBLISHED_ONLY):
        assert not store.has_item(deleted)
        assert store.get_item(built.subsections[0]).children == [sibling, untouched]


@pytest.mark.django_db
def test_deleting_a_section_removes_it_from_published_at_once(
    store: MixedModuleStore, published_signals: list[dict]
) -> None:
    built = build_course(CourseSpec(sections=2, seed=4))
    published_signals.clear()

    store.delete_item(built.sections[0], user_id=5)

    with store.branch_setting(PUBLISHED_ONLY):
        assert not store.has_item(built.sections[0])
        assert not store.has_item(built.subsections[0])
        assert store.get_course(built.course_key).children == [built.sections[1]]
    assert len(published_signals) == 1


@pytest.mark.django_db
def test_detached_blocks_exist_outside_the_tree(store: MixedModuleStore) -> None:
    built = build_course(CourseSpec(sections=1, seed=5))

    with store.branch_setting(PUBLISHED_ONLY):
        tabs = store.get_items(built.course_key, qualifiers={"category": "static_tab"})
        about = store.get_items(built.course_key, qualifiers={"category": "about"})
        tree = set(_walk(store.get_course(built.course_key)))
        assert len(tabs) == 1 and tabs[0].display_name == "Syllabus"
        assert {block.url_name for block in about} == {"overview", "short_description", "effort"}
        for block in [*tabs, *about]:
            assert block.location not in tree
            assert store.get_parent_location(block.location) is None
    assert built.overview.effort == store.get_item(built.course_key.make_usage_key("about", "effort")).data


@pytest.mark.django_db
def test_inherited_fields_flow_down_the_tree(store: MixedModuleStore, settings: Any) -> None:
    built = build_course(CourseSpec(sections=2, staff_only_sections=1, graded_ratio=1.0, seed=6))
    graded = store.get_item(built.graded_subsections[0])
    unit = graded.get_children()[0]
    component = unit.get_children()[0]

    assert graded.graded is True and graded.format in {"Homework", "Lab", "Final Exam"}
    assert component.graded is True and component.due == graded.due
    assert component.format is None  # not inheritable
    assert component.start == built.overview.start
    hidden_section = store.get_item(built.sections[-1])
    assert hidden_section.visible_to_staff_only is True
    assert all(child.visible_to_staff_only for child in hidden_section.get_children())
    assert store.get_item(built.sections[0]).visible_to_staff_only is False
    orphan_default = store.create_item(5, built.course_key, "html", "loose")
    with store.branch_setting(DRAFT_PREFERRED):
        assert store.get_item(orphan_default.location).start == settings.DEFAULT_START_DATE


@pytest.mark.django_db
def test_block_attributes(store: MixedModuleStore) -> None:
    built = build_course(CourseSpec(sections=2, components_per_unit=6, seed=8))
    blocks = [store.get_item(key) for key in built.components]
    by_type = {block.category: block for block in blocks}
    assert {"html", "video", "problem"} <= set(by_type)

    problem, html = by_type["problem"], by_type["html"]
    assert problem.has_score and not html.has_score
    assert hasattr(problem, "weight") and not hasattr(html, "weight")
    assert html.completion_mode == "completable"
    assert store.get_item(built.units[0]).completion_mode == "aggregator"
    if "discussion" in by_type:
        assert by_type["discussion"].completion_mode == "excluded"
    assert problem.scope_ids.block_type == problem.category == problem.location.block_type == "problem"
    assert problem.url_name == problem.location.block_id and len(problem.url_name) == 32
    assert problem.usage_key == problem.location
    assert not problem.has_children and problem.children == []
    unnamed = store.create_child(5, built.units[0], "html", block_id="my_block")
    assert unnamed.display_name is None and unnamed.display_name_with_default == "my block"
    course = store.get_course(built.course_key)
    assert course.published_on is not None and course.subtree_edited_on >= course.edited_on
    assert course.lowest_passing_grade == 0.5


@pytest.mark.django_db
def test_course_published_fires_once_at_end_of_bulk_operation(
    store: MixedModuleStore, published_signals: list[dict], events: EventLog
) -> None:
    built = build_course(CourseSpec(sections=1, seed=9))
    assert len(published_signals) == 1  # the whole build is one bulk operation
    published_signals.clear()
    events.clear()

    with store.bulk_operations(built.course_key):
        store.create_child(5, built.root, "chapter", display_name="New section")  # auto-published
        store.publish(built.units[0], 5)
        store.publish(built.subsections[0], 5)
        assert published_signals == []
        assert events.names == ["published", "published"]  # XBLOCK_PUBLISHED is synchronous

    assert published_signals == [{"sender": MixedModuleStore, "course_key": built.course_key}]
    store.publish(built.units[0], 5)
    assert len(published_signals) == 2
    with store.bulk_operations(built.course_key, emit_signals=False):
        store.publish(built.units[0], 5)
    assert len(published_signals) == 2
    assert SignalHandler.course_published is COURSE_PUBLISHED


@pytest.mark.django_db
def test_generated_course_is_reproducible_and_registers_overview(store: MixedModuleStore) -> None:
    spec = CourseSpec(sections=2, subsections_per_section=3, seed=11, display_name="Seeded")
    first = build_course(spec)
    store.reset()
    second = build_course(spec)

    assert first.published_keys == second.published_keys
    assert len(first.sections) == 2 and len(first.subsections) == 6
    assert len(first.components) == 2 * 3 * 2 * 3
    overview = CourseOverview.get_from_id(first.course_key)
    assert overview.display_name == "Seeded" and float(overview.lowest_passing_grade) == 0.5
    assert overview.effort and overview.short_description
