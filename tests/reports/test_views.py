"""Dashboards and report endpoints: the full authorization matrix, Studio, escaping, GET-only, the standalone page."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from opaque_keys.edx.keys import CourseKey
from standin.factories import add_course_staff, add_org_role, create_user

from oars_platform.reports.dashboard import render_course_dashboard_html

COURSE_A = "course-v1:OrgA+A101+2026"
COURSE_B = "course-v1:OrgB+B202+2026"

PAGES = {
    "course A page": f"/oars/courses/{COURSE_A}/",
    "course B page": f"/oars/courses/{COURSE_B}/",
    "instance page": "/oars/instance/",
    "course A data": f"/oars/courses/{COURSE_A}/reports/problem_difficulty.json",
    "course B data": f"/oars/courses/{COURSE_B}/reports/enrollments_daily.json",
    "instance data": "/oars/instance/reports/instance_daily.json",
}
OK, HIDDEN, FORBIDDEN = 200, 404, 403
# Every cell of (who) x (what), written out.
MATRIX = {
    "anonymous": {"course A page": HIDDEN, "course B page": HIDDEN, "instance page": FORBIDDEN,
                  "course A data": HIDDEN, "course B data": HIDDEN, "instance data": FORBIDDEN},
    "learner": {"course A page": HIDDEN, "course B page": HIDDEN, "instance page": FORBIDDEN,
                "course A data": HIDDEN, "course B data": HIDDEN, "instance data": FORBIDDEN},
    "staff of A": {"course A page": OK, "course B page": HIDDEN, "instance page": FORBIDDEN,
                   "course A data": OK, "course B data": HIDDEN, "instance data": FORBIDDEN},
    "staff of B": {"course A page": HIDDEN, "course B page": OK, "instance page": FORBIDDEN,
                   "course A data": HIDDEN, "course B data": OK, "instance data": FORBIDDEN},
    "instructor of B": {"course A page": HIDDEN, "course B page": OK, "instance page": FORBIDDEN,
                        "course A data": HIDDEN, "course B data": OK, "instance data": FORBIDDEN},
    # The platform's own rule (has_access 'staff'): limited staff and org-level staff of the course's org get in.
    "limited staff of A": {"course A page": OK, "course B page": HIDDEN, "instance page": FORBIDDEN,
                           "course A data": OK, "course B data": HIDDEN, "instance data": FORBIDDEN},
    "org staff of OrgA": {"course A page": OK, "course B page": HIDDEN, "instance page": FORBIDDEN,
                          "course A data": OK, "course B data": HIDDEN, "instance data": FORBIDDEN},
    "org instructor of OrgB": {"course A page": HIDDEN, "course B page": OK, "instance page": FORBIDDEN,
                               "course A data": HIDDEN, "course B data": OK, "instance data": FORBIDDEN},
    "global staff": {"course A page": OK, "course B page": OK, "instance page": OK,
                     "course A data": OK, "course B data": OK, "instance data": OK},
}


@pytest.fixture
def people(db) -> dict[str, object]:
    """One user per row of the matrix (None = anonymous)."""
    learner = create_user("matrix_learner")
    staff_a = create_user("matrix_staff_a")
    add_course_staff(staff_a, CourseKey.from_string(COURSE_A), "staff")
    staff_b = create_user("matrix_staff_b")
    add_course_staff(staff_b, CourseKey.from_string(COURSE_B), "staff")
    instructor_b = create_user("matrix_instructor_b")
    add_course_staff(instructor_b, CourseKey.from_string(COURSE_B), "instructor")
    limited_a = create_user("matrix_limited_a")
    add_course_staff(limited_a, CourseKey.from_string(COURSE_A), "limited_staff")
    org_staff_a = create_user("matrix_org_staff_a")
    add_org_role(org_staff_a, "OrgA", "staff")
    org_instructor_b = create_user("matrix_org_instructor_b")
    add_org_role(org_instructor_b, "OrgB", "instructor")
    return {"anonymous": None, "learner": learner, "staff of A": staff_a, "staff of B": staff_b,
            "instructor of B": instructor_b, "limited staff of A": limited_a, "org staff of OrgA": org_staff_a,
            "org instructor of OrgB": org_instructor_b, "global staff": create_user("matrix_global", is_staff=True)}


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_authorization_matrix_every_cell(clickhouse, people) -> None:
    seen = {}
    for who, user in people.items():
        client = client_for(user)
        for what, url in PAGES.items():
            seen[(who, what)] = client.get(url).status_code
    expected = {(who, what): status for who, row in MATRIX.items() for what, status in row.items()}
    assert seen == expected


def test_studio_asks_studios_own_rule(people, settings) -> None:
    from oars_platform.platform.roles import can_view_course

    settings.ROOT_URLCONF = "cms.urls"
    assert can_view_course(people["org staff of OrgA"], COURSE_A)
    assert not can_view_course(people["org staff of OrgA"], COURSE_B)
    assert can_view_course(people["instructor of B"], COURSE_B)
    assert not can_view_course(people["learner"], COURSE_A)
    assert not can_view_course(people["global staff"], "ccx-v1:OrgA+A101+2026+ccx@3"), "no Studio access to a CCX"


def test_a_staff_flag_alone_is_global_staff_as_in_the_platform(db) -> None:
    from common.djangoapps.student.roles import GlobalStaff

    inactive_staff = create_user("matrix_inactive_staff", is_staff=True, is_active=False)
    assert GlobalStaff().has_user(inactive_staff), "GlobalStaff is bool(user and user.is_staff)"


def test_a_denied_course_looks_the_same_whether_it_exists_or_not(clickhouse, people) -> None:
    client = client_for(people["staff of A"])
    real = client.get(PAGES["course B page"])
    invented = client.get("/oars/courses/course-v1:Nope+Nothing+Never/")
    malformed = client.get("/oars/courses/not-a-course-key/")
    assert real.status_code == invented.status_code == malformed.status_code == 404
    real_data = client.get(PAGES["course B data"])
    invented_data = client.get("/oars/courses/course-v1:Nope+Nothing+Never/reports/enrollments_daily.json")
    assert (real_data.status_code, real_data.json()) == (invented_data.status_code, invented_data.json())


def test_studio_serves_the_same_course_dashboard_to_the_course_team(clickhouse, people, settings) -> None:
    settings.ROOT_URLCONF = "cms.urls"
    assert client_for(people["staff of A"]).get(PAGES["course A page"]).status_code == 200
    assert client_for(people["staff of A"]).get(PAGES["course B page"]).status_code == 404
    assert client_for(people["learner"]).get(PAGES["course A page"]).status_code == 404


def test_views_are_get_only(clickhouse, people) -> None:
    client = client_for(people["global staff"])
    for url in PAGES.values():
        assert client.post(url).status_code == 405


def test_unknown_or_wrong_scope_reports_are_not_found(clickhouse, people) -> None:
    client = client_for(people["global staff"])
    assert client.get(f"/oars/courses/{COURSE_A}/reports/no_such_report.json").status_code == 404
    assert client.get(f"/oars/courses/{COURSE_A}/reports/instance_daily.json").status_code == 404
    assert client.get("/oars/instance/reports/problem_difficulty.json").status_code == 404
    assert client.get(f"/oars/courses/{COURSE_A}/?since=yesterday").status_code == 400


def test_names_are_escaped_and_data_is_embedded_as_json(world, people) -> None:
    course_a = next(key for key in world.courses if "OrgA" in key)
    response = client_for(people["global staff"]).get(f"/oars/courses/{course_a}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Course &lt;A&gt; &amp; &quot;friends&quot;" in html
    assert "Course <A>" not in html
    assert 'id="oars-data-problem_difficulty" type="application/json"' in html
    assert "/static/oars_platform/vendor/chart.umd.min.js" in html


def test_report_endpoint_returns_the_report(world, people) -> None:
    course_a = next(key for key in world.courses if "OrgA" in key)
    response = client_for(people["global staff"]).get(f"/oars/courses/{course_a}/reports/enrollees_current.json")
    data = response.json()
    assert data["report"] == "enrollees_current" and data["filters"]["course_key"] == course_a
    assert sum(row["enrollees"] for row in data["rows"]) > 0


def test_standalone_page_inlines_library_and_data(world) -> None:
    course_a = next(key for key in world.courses if "OrgA" in key)
    html = render_course_dashboard_html(course_a, 'Course <A> & "friends"')
    assert "<script src=" not in html and "stylesheet" not in html and "/static/" not in html
    assert "Chart.js v4" in html or "chart.js v4" in html.lower()
    assert "&lt;A&gt;" in html and "Course <A>" not in html
    start = html.index('id="oars-data-enrollees_current"')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert json.loads(payload)["rows"]
