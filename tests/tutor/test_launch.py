"""``tutor local launch``, the README's one command, through the real CLI against the recording ``docker``."""

from __future__ import annotations

import json

from tests.tutor.site import TutorSite


def test_local_launch_builds_the_image_starts_the_services_then_migrates(tutor_site) -> None:
    site: TutorSite = tutor_site("own ClickHouse")
    site.docker_log.write_text("")
    site.tutor("local", "launch", "--non-interactive")
    calls = [json.loads(line) for line in site.docker_log.read_text().splitlines()]
    steps = [" ".join(call[:2]) for call in calls]

    build = steps.index("buildx build")  # the published openedx image lacks oars-platform
    assert calls[build][-1] == str(site.env_dir / "build" / "openedx")
    up = next(index for index, call in enumerate(calls) if "up" in call)
    runs = [index for index, call in enumerate(calls) if "run" in call]
    ours = [index for index in runs if "./manage.py lms migrate_clickhouse" in calls[index][-1]]
    django = [index for index in runs if "./manage.py lms migrate\n" in calls[index][-1]]
    assert build < up < django[0] < ours[0] == runs[-1]
