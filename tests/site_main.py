"""Entry point of a stand-in site run as separate processes (producer, set-up, learners), used by the worker tests.

Run as ``python tests/site_main.py setup|produce|produce-bus|learners|retire ...`` with
``DJANGO_SETTINGS_MODULE=lms.envs.production`` and ``LMS_CFG`` naming the site's YAML; see tests/sites.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "host"), str(ROOT)]

USERS = 20
COURSE_ID = "course-v1:edX+DemoX+Demo_Course"
VIDEO = "0b9e39477cf34507a7a48f74be381fdd"
START = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


def event(index: int) -> dict:
    """The index-th event of the stream: a video event, unique per (user, verb, timestamp)."""
    user_id = 1 + index % USERS
    return {
        "name": "play_video" if index % 2 else "pause_video",
        "timestamp": START + dt.timedelta(milliseconds=index),
        "context": {"user_id": user_id, "course_id": COURSE_ID, "org_id": "edX", "path": "/event"},
        "data": {"id": VIDEO, "currentTime": index % 300, "duration": 300.0, "code": "html5"},
    }


def setup() -> None:
    """Create the site's tables, users (with xAPI external ids) and the course overview."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth.models import User
    from opaque_keys.edx.keys import CourseKey
    from openedx.core.djangoapps.external_user_ids.models import ExternalId
    from standin.factories import create_course_overview

    for user_id in range(1, USERS + 1):
        user, _ = User.objects.get_or_create(id=user_id, defaults={"username": f"learner{user_id}"})
        ExternalId.add_new_user_id(user, "xapi")
    create_course_overview(CourseKey.from_string(COURSE_ID), display_name="Demonstration Course")


def setup_fixtures() -> None:
    """``setup``, plus user 100 and every course the reference events name; external ids are UUID(int=user id).

    The hostile-input fuzz predicts statement ids in-process, so the site's actors must be known in advance.
    """
    setup()
    from tests.security.hostile import create_world

    create_world()


def produce(first: int, count: int, chunk: int, pause: float, rate: float = 0.0, sent_log: str = "") -> None:
    """Send events through the plugin's real eventtracking backend (the request path), in chunks or at a rate.

    With ``rate`` the events are paced (events per second) and stamped with the time they are sent; with
    ``sent_log`` the send time of each event is written there (for latency measurements).
    """
    import django

    django.setup()
    from oars_platform.tracking import OarsTrackingBackend

    backend = OarsTrackingBackend()
    sent: list[float] = []
    started = time.time()
    for index in range(first, first + count):
        item = event(index)
        if rate:
            delay = started + (index - first) / rate - time.time()
            if delay > 0:
                time.sleep(delay)
            item["timestamp"] = dt.datetime.now(dt.UTC)
        backend.send(item)
        sent.append(time.time())
        if chunk and (index - first + 1) % chunk == 0:
            time.sleep(pause)
    if sent_log:
        Path(sent_log).write_text("\n".join(f"{moment:.6f}" for moment in sent))
    kept = backend.stats["enqueued"] + backend.stats["spooled"]  # spooled events reach the stream later
    if kept != count:
        raise SystemExit(f"enqueued or spooled {kept} of {count}: {dict(backend.stats)}")
    print(f"produced {count}: {dict(backend.stats)}", flush=True)
    if backend.stats["spooled"]:  # a web process lives on: let the spool's flusher deliver before this one ends
        from oars_platform.spool import get_spool

        spool = get_spool()
        deadline = time.monotonic() + 120
        while (spool.current or spool.sealed) and time.monotonic() < deadline:
            time.sleep(0.2)


def produce_bus(first: int, count: int) -> None:
    """Send events as openedx-events' TRACKING_EVENT_EMITTED, which the site's producer config puts on the bus."""
    import json

    import django

    django.setup()
    from openedx_events.analytics.data import TrackingLogData
    from openedx_events.analytics.signals import TRACKING_EVENT_EMITTED

    for index in range(first, first + count):
        item = event(index)
        TRACKING_EVENT_EMITTED.send_event(
            send_robust=False,
            tracking_log=TrackingLogData(
                name=item["name"],
                timestamp=item["timestamp"],
                data=json.dumps(item["data"]),
                context=json.dumps(item["context"]),
            ),
        )


def learners(user_ids: list[int], course_id: str) -> None:
    """Give these users an email and a profile and enroll them in ``course_id`` through the platform's code path.

    With ``OARS_PII_ENABLED`` the enrollment's signals enqueue the refresh of the enrollment, the profile and the
    external id: the worker writes the user's personal rows.
    """
    import django

    django.setup()
    from common.djangoapps.student.models import CourseEnrollment, UserProfile
    from django.contrib.auth.models import User
    from opaque_keys.edx.keys import CourseKey
    from standin.factories import create_course_overview

    key = CourseKey.from_string(course_id)
    if course_id != COURSE_ID:
        create_course_overview(key, display_name="Another Course")
    for user_id in user_ids:
        user = User.objects.get(id=user_id)
        user.email = f"{user.username}@example.com"
        user.save()
        UserProfile.objects.update_or_create(user=user, defaults={"name": f"Learner Number {user_id}", "city": "Lyon"})
        CourseEnrollment.enroll(user, key, mode="audit")


def retire(user_ids: list[int]) -> None:
    """Send the platform's retirement signals for these users, as its retirement pipeline does."""
    import django

    django.setup()
    from django.contrib.auth.models import User
    from standin.factories import retire_user

    for user in User.objects.filter(id__in=user_ids):
        retire_user(user)


def _ids(text: str) -> list[int]:
    return [int(value) for value in text.split(",")]


def main() -> None:
    """Parse the sub-command."""
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup")
    commands.add_parser("setup-fixtures")
    produce_parser = commands.add_parser("produce")
    produce_parser.add_argument("--first", type=int, default=0)
    produce_parser.add_argument("--count", type=int, required=True)
    produce_parser.add_argument("--chunk", type=int, default=0)
    produce_parser.add_argument("--pause", type=float, default=0.0)
    produce_parser.add_argument("--rate", type=float, default=0.0)
    produce_parser.add_argument("--sent-log", default="")
    bus_parser = commands.add_parser("produce-bus")
    bus_parser.add_argument("--first", type=int, default=0)
    bus_parser.add_argument("--count", type=int, required=True)
    learners_parser = commands.add_parser("learners")
    learners_parser.add_argument("--ids", type=_ids, required=True)
    learners_parser.add_argument("--course", default=COURSE_ID)
    retire_parser = commands.add_parser("retire")
    retire_parser.add_argument("--ids", type=_ids, required=True)
    args = parser.parse_args()
    if args.command == "setup":
        setup()
    elif args.command == "learners":
        learners(args.ids, args.course)
    elif args.command == "retire":
        retire(args.ids)
    elif args.command == "setup-fixtures":
        setup_fixtures()
    elif args.command == "produce-bus":
        produce_bus(args.first, args.count)
    else:
        produce(args.first, args.count, args.chunk, args.pause, args.rate, args.sent_log)


if __name__ == "__main__":
    main()
