"""What the stand-in knows about XBlock types: which have children, scores, weights, completion modes.

These are class attributes and per-class fields in the real platform; here they are plain tables, so that the
stand-in blocks answer ``has_score``/``has_children``/``completion_mode``/``weight`` the way real ones do.
"""

from typing import Any

# Types whose instances hold a ``children`` list (containers).
CONTAINER_TYPES = frozenset(
    {"course", "chapter", "sequential", "vertical", "library_content", "split_test", "conditional", "itembank"}
)

# Blocks that carry a score (``has_score = True`` on their class).
SCORED_TYPES = frozenset({"problem", "openassessment", "lti_consumer", "drag-and-drop-v2", "staffgradedxblock"})

# Blocks that define a ``weight`` field; on any other block the attribute does not exist.
WEIGHTED_TYPES = frozenset({"problem", "lti_consumer", "drag-and-drop-v2", "staffgradedxblock"})

# XBlockCompletionMode values (xblock.completable); everything else is "completable".
AGGREGATOR_TYPES = frozenset({"course", "chapter", "sequential", "vertical", "library_content", "split_test"})
EXCLUDED_TYPES = frozenset({"discussion"})

# Studio publishes these categories as soon as they are created or edited (``DIRECT_ONLY_CATEGORIES``).
DIRECT_ONLY_CATEGORIES = frozenset({"course", "chapter", "sequential", "about", "static_tab", "course_info"})

# Blocks that belong to a course but are never in its tree (``DETACHED_XBLOCK_TYPES``).
DETACHED_XBLOCK_TYPES = frozenset({"about", "course_info", "static_tab"})

# Fields looked up the parent chain when a block does not set them (InheritanceMixin), with their defaults.
# ``start`` is filled from settings.DEFAULT_START_DATE at read time.
INHERITABLE_DEFAULTS: dict[str, Any] = {
    "graded": False,
    "start": None,
    "due": None,
    "visible_to_staff_only": False,
    "graceperiod": None,
    "group_access": {},
    "hide_from_toc": False,
    "days_early_for_beta": None,
    "max_attempts": None,
    "self_paced": False,
    "showanswer": "finished",
    "user_partitions": [],
}

# Fields every block has (XModuleMixin, LmsBlockMixin), not inherited.
COMMON_DEFAULTS: dict[str, Any] = {
    "display_name": None,
    "format": None,
    "tags": [],
    "xml_attributes": {},
}

DEFAULT_GRADING_POLICY: dict[str, Any] = {
    "GRADER": [
        {"type": "Homework", "short_label": "HW", "min_count": 3, "drop_count": 1, "weight": 0.4},
        {"type": "Lab", "short_label": "Lab", "min_count": 2, "drop_count": 0, "weight": 0.2},
        {"type": "Final Exam", "short_label": "Final", "min_count": 1, "drop_count": 0, "weight": 0.4},
    ],
    "GRADE_CUTOFFS": {"Pass": 0.5},
}

# Per-type field defaults beyond the common ones.
TYPE_DEFAULTS: dict[str, dict[str, Any]] = {
    "course": {
        "display_name": "Empty",
        "end": None,
        "enrollment_start": None,
        "enrollment_end": None,
        "advertised_start": None,
        "announcement": None,
        "invitation_only": False,
        "max_student_enrollments_allowed": None,
        "catalog_visibility": "both",
        "language": None,
        "enable_proctored_exams": False,
        "proctoring_provider": None,
        "entrance_exam_enabled": False,
        "entrance_exam_id": "",
        "entrance_exam_minimum_score_pct": 0.65,
        "mobile_available": False,
        "certificates_display_behavior": "end",
        "certificate_available_date": None,
        "cert_html_view_enabled": True,
        "cert_name_short": "",
        "cert_name_long": "",
        "course_image": "images_course_image.jpg",
        "banner_image": "images_course_image.jpg",
        "display_coursenumber": "",
        "display_organization": None,
        "pre_requisite_courses": [],
        "grading_policy": DEFAULT_GRADING_POLICY,
        "wiki_slug": None,
    },
    "problem": {"weight": None, "data": "", "markdown": None, "rerandomize": "never"},
    "lti_consumer": {"weight": 1.0},
    "drag-and-drop-v2": {"weight": 1.0},
    "staffgradedxblock": {"weight": 1.0},
    "html": {"data": ""},
    "video": {"youtube_id_1_0": "", "html5_sources": [], "duration": None, "edx_video_id": ""},
    "discussion": {"discussion_id": "", "discussion_category": "", "discussion_target": ""},
    "about": {"data": ""},
    "course_info": {"data": "", "items": []},
    "static_tab": {"data": "", "course_staff_only": False},
}


def completion_mode_for(block_type: str) -> str:
    """The block class's ``completion_mode`` value."""
    if block_type in AGGREGATOR_TYPES:
        return "aggregator"
    if block_type in EXCLUDED_TYPES:
        return "excluded"
    return "completable"
