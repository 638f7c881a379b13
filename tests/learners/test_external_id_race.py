"""Two workers meeting one new learner at once: one xAPI id, no IntegrityError (MariaDB, two real connections)."""

from __future__ import annotations

import json

from tests.learners.conftest import MariaSite

# Runs inside ``manage.py lms shell``: two threads (each with its own Django connection) ask for the xAPI actor of
# the same new user. A barrier in front of the platform's insert makes both read "no id yet" before either writes,
# which is the race two Celery workers run into.
RACE = """
import json, threading
from django.contrib.auth.models import User
from django.db import connection
from django.db.models.query import QuerySet
from openedx.core.djangoapps.external_user_ids.models import ExternalId
from oars_platform.platform.users import fetch_actors

user = User.objects.create(username="racer", email="racer@example.com")
barrier = threading.Barrier(2, timeout=20)
original = QuerySet.bulk_create
waited = set()

def bulk_create(self, objs, *args, **kwargs):
    if self.model is ExternalId and threading.get_ident() not in waited:
        waited.add(threading.get_ident())
        barrier.wait()
    return original(self, objs, *args, **kwargs)

QuerySet.bulk_create = bulk_create
results, errors = [], []

def worker():
    try:
        results.append(fetch_actors({user.id}, "external_id")[user.id])
    except Exception as exc:
        errors.append(type(exc).__name__)
    finally:
        connection.close()

threads = [threading.Thread(target=worker) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
rows = [str(value) for value in ExternalId.objects.filter(user=user).values_list("external_user_id", flat=True)]
print("RESULT " + json.dumps({"results": results, "errors": errors, "rows": rows, "waited": len(waited)}))
"""


def test_two_concurrent_first_events_of_one_user_give_one_external_id(mariadb_database, tmp_path) -> None:
    site = MariaSite(mariadb_database, tmp_path / "chdb", tmp_path)
    site.sql("DELETE FROM external_user_ids_externalid")
    site.sql("DELETE FROM auth_user WHERE username = 'racer'")
    ran = site.manage("shell", "-c", RACE)
    assert ran.returncode == 0, ran.stderr
    (line,) = [line for line in ran.stdout.splitlines() if line.startswith("RESULT ")]
    outcome = json.loads(line.removeprefix("RESULT "))
    assert outcome["waited"] == 2, "both workers reached the insert before either wrote"
    assert outcome["errors"] == []
    assert len(outcome["rows"]) == 1
    assert outcome["results"] == outcome["rows"] * 2
