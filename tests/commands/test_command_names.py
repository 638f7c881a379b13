"""Our command names against those of the tools Aspects sites already run, and the drop-ins' command lines.

Django runs the command of the first app (in INSTALLED_APPS order) that ships a name, so a clash silently decides
which tool runs. Every shared name must be a deliberate drop-in that takes the other tool's options.
"""

from __future__ import annotations

import pytest
from django.core.management import get_commands, load_command_class

from tests.commands.conftest import manage, one_error_line
from tests.sites import Site

OURS = sorted(name for name, app in get_commands().items() if app == "oars_platform")

#: The commands of edx-event-routing-backends 10.1.0 (its wheel from PyPI, event_routing_backends/management/commands/).
ERB = {"recover_failed_events", "transform_tracking_logs"}
#: The commands of platform-plugin-aspects 2.1.0 (its wheel from PyPI, platform_plugin_aspects/management/commands/;
#: 0.2.0 and 0.11.7 ship the same dump command, and none ships dump_courses_to_clickhouse).
ASPECTS = {"dump_data_to_clickhouse", "load_test_tracking_events", "monitor_load_test_tracking"}
#: platform-plugin-aspects 2.1.0's dump_data_to_clickhouse options, each with a value an Aspects job would pass.
ASPECTS_DUMP_OPTIONS = [
    ["--object", "course_enrollment"], ["--start_pk", "0"], ["--ids", "1", "2"], ["--ids_to_skip", "3"],
    ["--force"], ["--limit", "5"], ["--batch_size", "100"], ["--sleep_time", "1"], ["--url", "http://ch:8123"],
    ["--username", "ch"], ["--password", "secret"], ["--database", "event_sink"], ["--timeout_secs", "30"],
]
#: Names we share on purpose: ours is a drop-in (takes the other tool's options), with that tool's option list.
DROP_INS = {"dump_data_to_clickhouse": ASPECTS_DUMP_OPTIONS}


def test_every_shared_name_is_a_declared_drop_in() -> None:
    assert "replay_tracking_logs" in OURS and "transform_tracking_logs" not in OURS
    clashes = set(OURS) & (ERB | ASPECTS)
    undecided = clashes - DROP_INS.keys()
    assert not undecided, f"command names shared with ERB or platform-plugin-aspects, not drop-ins: {undecided}"


@pytest.mark.parametrize("name", sorted(DROP_INS))
def test_a_drop_in_parses_every_option_of_the_command_it_replaces(name: str) -> None:
    parser = load_command_class("oars_platform", name).create_parser("manage.py", name)
    for option in DROP_INS[name]:
        parsed = vars(parser.parse_args(["--object", "course_enrollment", *option]))
        assert parsed[option[0].lstrip("-").replace("start_pk", "from_pk")] is not None, option


def test_dump_courses_takes_the_aspects_spellings() -> None:
    parser = load_command_class("oars_platform", "dump_courses_to_clickhouse").create_parser("manage.py", "x")
    parsed = vars(parser.parse_args(["--ids", "course-v1:A+B+C", "--ids_to_skip", "course-v1:A+B+D",
                                     "--courses_to_skip", "course-v1:A+B+E", "--batch_size", "10",
                                     "--sleep_time", "0", "--force", "--limit", "3"]))
    assert parsed["courses"] == ["course-v1:A+B+C"]
    assert parsed["courses_to_skip"] == ["course-v1:A+B+E"]  # the last spelling given wins, as in argparse
    assert (parsed["batch_size"], parsed["sleep_time"], parsed["force"], parsed["limit"]) == (10, 0.0, True, 3)


@pytest.fixture
def enrolled_site(embedded_site: Site) -> Site:
    embedded_site.run("learners", "--ids", "1,2,3,4,5")
    assert manage(embedded_site, "migrate_clickhouse").rc == 0
    return embedded_site


def test_an_aspects_command_line_runs_our_backfill(enrolled_site: Site) -> None:
    run = manage(enrolled_site, "dump_data_to_clickhouse", "--object", "course_enrollment", "--start_pk", "0",
                 "--ids_to_skip", "2", "--batch_size", "2", "--sleep_time", "0", "--no-progress")
    assert run.rc == 0, run.err
    assert "course_enrollment: read 4, written 4" in run.out
    assert "3 page(s)" not in run.out and "2 page(s)" in run.out


def test_course_overviews_runs_the_course_dump(enrolled_site: Site) -> None:
    run = manage(enrolled_site, "dump_data_to_clickhouse", "--object", "course_overviews", "--ids", "not-a-key")
    assert run.rc == 1
    assert one_error_line(run) == (
        "CommandError: --courses: invalid course key: 'not-a-key' (expected course-v1:ORG+NUMBER+RUN)"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--object", "auth_user"], "CommandError: --object auth_user: not copied by oars_platform: users reach "
         "ClickHouse only as anonymous xAPI actors and, with OARS_PII_ENABLED, as user_profile and external_id"),
        (["--object", "course_enrollment", "--url", "http://ch:8123", "--password", "x"],
         "CommandError: --url, --password: oars_platform connects to ClickHouse with OARS_CLICKHOUSE_URL "
         "(and OARS_CLICKHOUSE_*_TIMEOUT); remove the option"),
        (["--object", "course_enrollment", "--ids", "12", "abc"],
         "CommandError: --ids: 'abc' is not a primary key (an integer)"),
    ],
    ids=["not-ours", "connection-override", "bad-id"],
)
def test_what_we_do_not_take_is_refused_in_one_line(embedded_site: Site, args: list[str], message: str) -> None:
    run = manage(embedded_site, "dump_data_to_clickhouse", *args)
    assert run.rc == 1
    assert one_error_line(run) == message
