"""``CourseBlock``: the course root, with the course-level properties CourseOverview and analytics read."""

from typing import Any

from bson import ObjectId
from opaque_keys.edx.keys import CourseKey

from xmodule.x_module import StandinBlock


class CourseBlock(StandinBlock):
    """The root block; ``id`` is the course key."""

    @property
    def id(self) -> CourseKey:
        return self.location.course_key

    @property
    def org(self) -> str:
        return self.location.course_key.org

    @property
    def number(self) -> str:
        return self.location.course_key.course

    @property
    def display_number_with_default(self) -> str:
        return self.display_coursenumber or self.number

    @property
    def display_org_with_default(self) -> str:
        return self.display_organization or self.org

    @property
    def course_version(self) -> ObjectId:
        """The structure version of the branch this course was read from."""
        return self._course.versions[self._branch_name]

    @property
    def grade_cutoffs(self) -> dict[str, float]:
        return dict(self.grading_policy["GRADE_CUTOFFS"])

    @property
    def raw_grader(self) -> list[dict[str, Any]]:
        return list(self.grading_policy["GRADER"])

    @property
    def lowest_passing_grade(self) -> float | None:
        cutoffs = self.grade_cutoffs
        return min(cutoffs.values()) if cutoffs else None
