"""The dashboards in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

Each page must load, draw its charts (a Chart.js instance per canvas, with non-blank pixels) and log no console
error; a full-page screenshot of each is kept under ``artifacts/screenshots/`` for review.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from opaque_keys.edx.keys import CourseKey, UsageKey
from playwright.sync_api import Browser, Page, sync_playwright
from standin.factories import add_course_staff, create_user

from oars_platform.reports.dashboard import render_course_dashboard_html
from tests.conftest import ARTIFACTS

SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

#: In the page: for every chart canvas, whether Chart.js owns it and whether any pixel is not transparent.
CHART_STATE = """() => Array.from(document.querySelectorAll('canvas[data-source]')).map(c => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) { if (data[i] !== 0) { painted++; } }
    return {source: c.dataset.source, chart: !!Chart.getChart(c), painted: painted};
})"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the module (the system's binary: nothing is downloaded).

    Playwright's sync API keeps an asyncio loop on this thread, which makes Django refuse ORM calls from it;
    the tests themselves are synchronous, so Django's documented escape hatch applies while the browser lives.
    """
    assert Path(CHROMIUM).exists(), "install Debian's chromium (scripts/test.sh does)"
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def open_page(browser: Browser, url: str, user=None, base_url: str = "", width: int = 1280
              ) -> tuple[Page, list[str]]:
    """Load ``url`` (logged in as ``user`` through a real session cookie); returns the page and console errors."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    response = page.goto(url, wait_until="load")
    assert response is not None and response.ok, (url, response and response.status)
    page.wait_for_function("document.documentElement.dataset.oarsCharts === 'ready'")
    return page, errors


def check_and_shoot(page: Page, errors: list[str], name: str, min_charts: int) -> None:
    charts = page.evaluate(CHART_STATE)
    assert len(charts) >= min_charts, charts
    for chart in charts:
        assert chart["chart"] and chart["painted"] > 100, chart
    assert errors == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.context.close()


@pytest.fixture
def platform_rows(transactional_db) -> None:
    """Committed data (the live server's thread must see it), plus the rows a data migration makes.

    A transactional test ends with a flush that also deletes the external-id types created by the platform's
    data migration, so each test here puts them back before building its world.
    """
    from openedx.core.djangoapps.external_user_ids.models import ExternalIdType

    types = (ExternalIdType.XAPI, ExternalIdType.LTI, ExternalIdType.CALIPER, ExternalIdType.MICROBACHELORS_COACHING)
    for name in types:
        ExternalIdType.objects.get_or_create(name=name)


@pytest.fixture
def browser_world(platform_rows, world):
    """The report world, committed so the live server's thread sees it."""
    return world


def test_course_and_instance_dashboards_render_in_chromium(browser, browser_world, live_server, settings) -> None:
    course_a = next(key for key in browser_world.courses if "OrgA" in key)
    staff = create_user("browser_staff_a")
    add_course_staff(staff, CourseKey.from_string(course_a), "staff")
    admin = create_user("browser_admin", is_staff=True)

    page, errors = open_page(browser, f"{live_server.url}/oars/courses/{course_a}/", staff, live_server.url)
    assert page.title().startswith('Course <A> & "friends"')
    check_and_shoot(page, errors, "course_dashboard_lms", min_charts=6)

    page, errors = open_page(browser, f"{live_server.url}/oars/instance/", admin, live_server.url)
    check_and_shoot(page, errors, "instance_dashboard", min_charts=1)

    settings.ROOT_URLCONF = "cms.urls"
    page, errors = open_page(browser, f"{live_server.url}/oars/courses/{course_a}/", staff, live_server.url)
    check_and_shoot(page, errors, "course_dashboard_studio", min_charts=6)


def test_date_filter_narrows_the_page(browser, browser_world, live_server) -> None:
    course_a = next(key for key in browser_world.courses if "OrgA" in key)
    admin = create_user("browser_admin_2", is_staff=True)
    page, errors = open_page(browser, f"{live_server.url}/oars/courses/{course_a}/?since=2099-01-01", admin,
                             live_server.url)
    assert page.locator("#panel-enrollments_daily .oars-empty").count() == 1
    assert errors == []
    page.context.close()


def test_a_phone_wide_window_scrolls_tables_not_the_page(browser, browser_world, live_server) -> None:
    """At 390 px the panels fit the window; a wide table scrolls inside its panel."""
    course_a = next(key for key in browser_world.courses if "OrgA" in key)
    admin = create_user("browser_admin_narrow", is_staff=True)
    page, errors = open_page(browser, f"{live_server.url}/oars/courses/{course_a}/", admin, live_server.url, width=390)
    widths = page.evaluate("""() => ({
        page: document.documentElement.scrollWidth, window: window.innerWidth,
        panels: [...document.querySelectorAll('.oars-panel')].map(p => p.getBoundingClientRect().right),
        scrolling: [...document.querySelectorAll('.oars-table-wrap')].filter(w => w.scrollWidth > w.clientWidth).length,
    })""")
    assert widths["page"] <= widths["window"], widths
    assert max(widths["panels"]) <= widths["window"], widths
    assert widths["scrolling"] >= 1, widths  # the problem table is wider than a phone: it scrolls in place
    check_and_shoot(page, errors, "course_dashboard_narrow", min_charts=6)


#: What an instructor should never have to read: markup, spec references, query jargon, raw keys.
DEVELOPER_TEXT = re.compile(r"[`*§]|\bFINAL\b|\[since|until\)|emission_time|event_id|\bstatements?\b|\w+_\w+")


def test_pages_speak_to_instructors_and_tables_keep_every_column(browser, browser_world, live_server) -> None:
    """Plain descriptions, headers and legends (modes named); every table fits its panel at a laptop's width."""
    course_a = next(key for key in browser_world.courses if "OrgA" in key)
    admin = create_user("browser_admin_text", is_staff=True)
    for url in (f"/oars/courses/{course_a}/", "/oars/instance/"):
        page, errors = open_page(browser, f"{live_server.url}{url}", admin, live_server.url)
        texts = [*page.locator(".oars-description").all_inner_texts(), *page.locator("th").all_inner_texts(),
                 *page.locator("h2").all_inner_texts()]
        texts += page.evaluate("""() => Array.from(document.querySelectorAll('canvas[data-source]')).flatMap(c =>
            Chart.getChart(c).data.datasets.map(d => d.label))""")
        assert texts and [text for text in texts if DEVELOPER_TEXT.search(text)] == [], url
        cut = page.evaluate("""() => [...document.querySelectorAll('.oars-table-wrap')]
            .filter(w => w.scrollWidth > w.clientWidth + 1).map(w => w.closest('section').id)""")
        assert cut == [], (url, cut)
        assert errors == []
        page.context.close()

    page, errors = open_page(browser, f"{live_server.url}/oars/courses/{course_a}/", admin, live_server.url)
    legends = page.evaluate("""() => ['enrollments_daily', 'enrollments_cumulative'].map(name =>
        Chart.getChart(document.querySelector(`#panel-${name} canvas`)).data.datasets.map(d => d.label))""")
    for labels in legends:
        assert labels and all(re.match(r"(audit|verified|honor)\b", label) for label in labels), legends
    doughnut = page.evaluate("""() => Chart.getChart(document.querySelector('#panel-enrollees_current canvas'))
        .data.labels""")
    assert set(doughnut) <= {"audit", "verified", "honor"} and doughnut, doughnut
    page.context.close()


def test_instance_page_lists_the_courses_with_links_to_their_dashboards(browser, browser_world, live_server) -> None:
    admin = create_user("browser_admin_courses", is_staff=True)
    page, errors = open_page(browser, f"{live_server.url}/oars/instance/", admin, live_server.url)
    links = page.locator("#panel-instance_courses td a")
    assert sorted(links.all_inner_texts()) == sorted(browser_world.courses)
    summary = page.locator("#panel-instance_summary td").all_inner_texts()
    assert "Newest event stored" in summary and "pipeline_lag_seconds" not in summary
    course = sorted(browser_world.courses)[0]
    page.locator("#panel-instance_courses a", has_text=course).click()
    page.wait_for_function("document.documentElement.dataset.oarsCharts === 'ready'")
    assert page.url == f"{live_server.url}/oars/courses/{course}/"
    check_and_shoot(page, errors, "course_dashboard_from_instance", min_charts=6)


def test_standalone_file_renders_offline(browser, browser_world, tmp_path) -> None:
    course_a = next(key for key in browser_world.courses if "OrgA" in key)
    path = tmp_path / "course_dashboard.html"
    path.write_text(render_course_dashboard_html(course_a, 'Course <A> & "friends"'), encoding="utf-8")
    page, errors = open_page(browser, path.as_uri())
    check_and_shoot(page, errors, "course_dashboard_standalone", min_charts=6)
    shutil.copy(path, SCREENSHOTS / "course_dashboard_standalone.html")


HOSTILE = "</script><script>window.__oars_pwned = 1</script><img src=x onerror=\"window.__oars_pwned = 2\">"


def test_hostile_names_cannot_break_or_script_the_page(browser, browser_world, live_server, tmp_path) -> None:
    """Course, block and video names carrying markup: shown as text in tables, titles and chart labels."""
    from xmodule.modulestore.django import modulestore

    from oars_platform.platform.modulestore import ModulestoreSource
    from oars_platform.sinks.courses import dump_course

    course_a = next(key for key in browser_world.courses if "OrgA" in key)
    store = modulestore()
    blocks = browser_world.blocks[course_a]
    for usage in (blocks["video"][0], blocks["problem"][0], blocks["sequential"][0], blocks["chapter"][0]):
        block = store.get_item(UsageKey.from_string(usage))
        block.display_name = f"{HOSTILE} {usage[-6:]}"
        store.update_item(block, user_id=1)
        store.publish(block.location, user_id=1)
    dump_course(ModulestoreSource(), course_a)

    admin = create_user("browser_admin_hostile", is_staff=True)
    page, errors = open_page(browser, f"{live_server.url}/oars/courses/{course_a}/", admin, live_server.url)
    assert page.evaluate("window.__oars_pwned") is None
    assert page.locator("td", has_text="</script><script>window.__oars_pwned").count() >= 2  # shown as text
    check_and_shoot(page, errors, "course_dashboard_hostile_names", min_charts=6)

    path = tmp_path / "hostile.html"
    path.write_text(render_course_dashboard_html(course_a, HOSTILE), encoding="utf-8")
    page, errors = open_page(browser, path.as_uri())
    assert page.evaluate("window.__oars_pwned") is None
    assert page.locator("h1").inner_text() == HOSTILE
    assert page.title() == f"{HOSTILE} - OARS"
    check_and_shoot(page, errors, "course_dashboard_hostile_standalone", min_charts=6)
