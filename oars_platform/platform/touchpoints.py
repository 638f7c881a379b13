"""Every place the plugin touches edx-platform, in one table the test suite checks against the stand-in host.

Each :class:`Touchpoint` names a platform path (``module:attribute``) and what the plugin relies on there: a signal
and the keyword arguments its receivers read, a model and the fields read, a function and the parameters passed, a
class or object and the attributes used. ``tests/test_touchpoints.py`` resolves every row in the stand-in (so the
stand-in cannot miss a twin) and scans the plugin's source: a platform import or platform path string that is not in
this table, or a platform import outside :mod:`oars_platform.platform`, fails the suite. The models and fields of the
learner and tagging tables come from the sinks' table declarations (:data:`oars_platform.sinks.SINKS`: each column
names the platform field it reads, declared once, there), and the openedx-events signals from the receivers table;
both are checked against the real openedx-events in the platform-versions test lane.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Module prefixes that belong to edx-platform (or to openedx-core's tagging app, which the platform installs).
PLATFORM_PREFIXES = (
    "xmodule", "common.djangoapps", "openedx.core", "lms.djangoapps", "cms.djangoapps", "openedx_tagging",
)  # fmt: skip


@dataclass(frozen=True)
class Touchpoint:
    """One platform object the plugin uses."""

    #: ``module:attribute``; the attribute may be dotted (``Class.method``).
    path: str
    #: ``import`` (the object exists), ``signal`` (names: kwargs receivers read), ``model`` (names: fields, ``a__b``
    #: following relations), ``function`` (names: parameters passed), ``attributes`` (names: attributes used),
    #: ``block`` (names: XBlock fields read from the course block and its descendants).
    kind: str
    names: tuple[str, ...] = ()
    used_by: str = ""


_OVERVIEW = "openedx.core.djangoapps.content.course_overviews.models:CourseOverview"

TOUCHPOINTS: tuple[Touchpoint, ...] = (
    # Course overviews: names (xAPI parents, dashboards), listing and bookkeeping of course dumps, external_id.
    Touchpoint(_OVERVIEW, "model", ("id", "display_name", "modified", "created", "effort", "external_id"),
               "platform.courses, platform.modulestore"),
    # Modulestore (published branch) and its signals.
    Touchpoint("xmodule.modulestore:ModuleStoreEnum.Branch", "attributes", ("published_only",), "platform.modulestore"),
    Touchpoint("xmodule.modulestore.django:modulestore", "function", (), "platform.modulestore"),
    Touchpoint("xmodule.modulestore.store_utilities:DETACHED_XBLOCK_TYPES", "import", (), "platform.modulestore"),
    Touchpoint("xmodule.modulestore.draft_and_published:DIRECT_ONLY_CATEGORIES", "import", (), "platform.modulestore"),
    Touchpoint("xmodule.modulestore.mixed:MixedModuleStore", "attributes",
               ("branch_setting", "get_course", "get_items"), "platform.modulestore (what modulestore() returns)"),
    Touchpoint("xmodule.modulestore.django:COURSE_PUBLISHED", "signal", ("course_key",), "signals.courses"),
    Touchpoint("xmodule.modulestore.django:COURSE_DELETED", "signal", ("course_key",), "signals.courses"),
    Touchpoint("xmodule.course_block:CourseBlock", "block",
               ("location", "display_name", "display_name_with_default", "start", "end", "enrollment_start",
                "enrollment_end", "self_paced", "advertised_start", "announcement", "lowest_passing_grade",
                "invitation_only", "max_student_enrollments_allowed", "enable_proctored_exams",
                "entrance_exam_enabled", "language", "graded", "completion_mode", "edited_on", "has_children",
                "get_children"), "platform.modulestore (course block and every block of its tree)"),
    # CCX (LMS only, with custom courses on).
    Touchpoint("lms.djangoapps.ccx.models:CustomCourseForEdX", "model", ("course_id", "display_name"),
               "platform.modulestore"),
    Touchpoint("lms.djangoapps.ccx.models:CustomCourseForEdX", "attributes", ("locator",), "platform.modulestore"),
    # Users and external ids.
    Touchpoint("openedx.core.djangoapps.external_user_ids.models:ExternalId.batch_get_or_create_user_ids", "function",
               ("users", "type_name"), "platform.users"),
    # Content tagging.
    Touchpoint("openedx.core.djangoapps.content_tagging.api:get_object_tags", "function", ("object_id",),
               "platform.tagging"),
    Touchpoint("openedx_tagging.models:ObjectTag", "model", ("object_id", "tag", "tag__parent", "tag__id"),
               "platform.tagging"),
    # Access to dashboards.
    Touchpoint("common.djangoapps.student.roles:GlobalStaff", "attributes", ("has_user",), "platform.roles"),
    Touchpoint("lms.djangoapps.courseware.access:has_access", "function", ("user", "action", "obj"),
               "platform.roles (LMS)"),
    Touchpoint("common.djangoapps.student.auth:has_studio_read_access", "function", ("user", "course_key"),
               "platform.roles (Studio)"),
    # Retirement.
    Touchpoint("openedx.core.djangoapps.user_api.accounts.signals:USER_RETIRE_LMS_MISC", "signal", ("user",),
               "signals.retirement"),
)  # fmt: skip


def all_touchpoints() -> tuple[Touchpoint, ...]:
    """The table above, plus the models and fields the learner and tagging sources read and the model receivers."""
    from oars_platform.signals.models import MODEL_RECEIVERS
    from oars_platform.sinks import SINKS

    sources = {name: SINKS.get(name).source for name in SINKS.names()}
    sourced = tuple(
        Touchpoint(
            source.model,
            "model",
            tuple(path.removeprefix("text:") for _, path in source.fields),
            f"sinks SINKS[{name!r}] (the platform fields its columns read)",
        )
        for name, source in sources.items()
        if source is not None
    )
    received = tuple(
        Touchpoint(path, "model", (), f"signals.models ({signal} receiver)") for path, signal, _ in MODEL_RECEIVERS
    )
    return TOUCHPOINTS + sourced + received
