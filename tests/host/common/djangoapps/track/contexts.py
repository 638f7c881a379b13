"""``course_context_from_course_id`` as in the platform: the tracking context every course event carries."""

from opaque_keys.edx.keys import CourseKey


def course_context_from_course_id(course_id: CourseKey | None) -> dict[str, str]:
    """``{course_id, org_id, enterprise_uuid}``; empty strings when there is no course."""
    if course_id is None:
        return {"course_id": "", "org_id": "", "enterprise_uuid": ""}
    return {"course_id": str(course_id), "org_id": course_id.org, "enterprise_uuid": ""}
