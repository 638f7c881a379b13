"""Suite-wide log capture: no test may make anything log personal data or a password.

:class:`LogCapture` is a handler on the root logger, at DEBUG (the root logger and every logger with a level of its
own are lowered to DEBUG while it is installed), so it sees every record of every logger that propagates: ours,
Celery's, Django's, the drivers'. The one logger that does not propagate is the platform's ``tracking`` log, which
*is* the tracking data (the stand-in keeps it off, as the platform writes it to its own file).

Each record is formatted (message and traceback) and searched as it is emitted; a leak fails the test after it ran.
What is searched for:

* **passwords**: the test ClickHouse server's password (plain and URL-encoded), the other passwords tests put in
  URLs, the database password and the Django secret key (:func:`secrets`);
* **PII**: usernames, emails and IP addresses of the reference fixtures (:func:`fixture_pii`), and the username,
  email and full name of every user created so far: in this process (a ``post_save`` receiver on ``User`` and
  ``UserProfile`` sees the stand-in factories and every other way of creating users) and in the databases of real
  processes (their seeders call :func:`add_user`).

Real processes (tests/sites.py, the MariaDB site of tests/learners) log to files and pipes: their directories are
watched (:func:`watch`) and their outputs recorded (:func:`record_output`), and searched the same way.

Usernames are matched as whole tokens (``edx`` must not match ``openedx`` or ``edX+DemoX``); a few fixture usernames
that are ordinary words (``edx``, ``staff``, ``test``...) cannot be told apart from the text around them and are not
searched: every other value of the same events is.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from tests.servers import ClickHouseServer

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "erb"
#: Fixture usernames that are also ordinary words in log text (event names, roles, course keys).
AMBIGUOUS_USERNAMES = frozenset({"edx", "staff", "student", "test", "response", "audit", "honor", "user", "admin"})
#: Passwords the tests themselves put into ClickHouse URLs (wrong or unreachable servers).
TEST_PASSWORDS = ("topsecret", "hunter2", "wrong-secret")
_PII_KEYS = ("username", "target_username", "email", "ip", "full_name", "name_full")
_PAIR = re.compile(r'"(' + "|".join(_PII_KEYS) + r')": "([^"]+)"')
_TOKEN = re.compile(r"[\w.@+-]+")
_TOKEN_EDGES = ".@+-"


@dataclass
class Pii:
    """What must never be logged: secrets (substrings), tokens (usernames, emails, IPs) and names (phrases)."""

    secrets: set[str] = field(default_factory=set)
    tokens: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    @property
    def strings(self) -> set[str]:
        """Every value, whatever its kind."""
        return self.secrets | self.tokens | self.names

    def add_user(self, username: str, email: str = "", full_name: str = "") -> None:
        """A user's identifying values (ambiguous or very short ones are left out, see the module docstring)."""
        if username and len(username) >= 4 and username.lower() not in AMBIGUOUS_USERNAMES:
            self.tokens.add(username)
        if email:
            self.tokens.add(email)
        if full_name and len(full_name) >= 6:
            self.names.add(full_name)

    def find(self, text: str) -> list[str]:
        """The values found in ``text``, sorted."""
        found = {secret for secret in self.secrets if secret in text}
        tokens = {token.strip(_TOKEN_EDGES) for token in _TOKEN.findall(text)}
        found |= tokens & self.tokens
        found |= {name for name in self.names if name in text}
        return sorted(found)

    def merged(self, other: Pii) -> Pii:
        """Both sets together."""
        return Pii(self.secrets | other.secrets, self.tokens | other.tokens, self.names | other.names)


def secrets() -> set[str]:
    """The passwords and keys of the test set-up (see the module docstring)."""
    from django.conf import settings

    password = ClickHouseServer.password
    found = {password, password.replace("@", "%40"), *TEST_PASSWORDS, settings.SECRET_KEY}
    database = os.environ.get("OARS_TEST_DB_PASSWORD", "")
    if len(database) >= 4:
        found.add(database)
    return found


@cache
def fixture_pii() -> Pii:
    """Usernames, emails and IPs of every reference event and of the reference tracking log."""
    pii = Pii()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _PII_KEYS and isinstance(item, str) and item:
                    if key.endswith("username"):
                        pii.add_user(item)
                    elif key in ("email", "ip"):
                        pii.tokens.add(item)
                    else:
                        pii.names.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.startswith("{"):
            with contextlib.suppress(ValueError):
                walk(json.loads(value))

    for path in sorted((FIXTURES / "events").glob("*.json")):
        walk(json.loads(path.read_text()))
    for line in (FIXTURES / "tracking.log").read_text().splitlines():
        try:
            walk(json.loads(line[line.index("{") :]))
        except ValueError:  # the log holds a malformed line on purpose: read its pairs as text
            walk(dict(_PAIR.findall(line)))
    if not pii.tokens:
        raise AssertionError(f"no PII found in the reference fixtures at {FIXTURES}: the log check would be blind")
    return pii


#: (username, email, full name) of every user created so far.
USERS: list[tuple[str, str, str]] = []


def add_user(username: str, email: str = "", full_name: str = "") -> None:
    """A user whose values must never be logged (users created in this process are added by themselves)."""
    USERS.append((username or "", email or "", full_name or ""))


def _on_user_saved(sender: object, instance: object, created: bool = False, **kwargs: object) -> None:
    if created:
        add_user(getattr(instance, "username", ""), getattr(instance, "email", ""))


def _on_profile_saved(sender: object, instance: object, **kwargs: object) -> None:
    add_user("", "", getattr(instance, "name", "") or "")


def known_pii() -> Pii:
    """Everything searched for right now: secrets, fixture values, users created so far."""
    created = Pii(secrets=secrets())
    for username, email, full_name in USERS:
        created.add_user(username, email, full_name)
    return fixture_pii().merged(created)


@dataclass
class Leak:
    """One text that gave PII away, and where it came from."""

    where: str
    found: list[str]
    text: str

    def __str__(self) -> str:
        excerpt = self.text if len(self.text) <= 600 else self.text[:600] + "..."
        return f"{self.where}: {', '.join(self.found)} in {excerpt!r}"


class LogCapture(logging.Handler):
    """Searches every record (and every watched output) as it comes; keeps only what leaked, until :meth:`check`.

    Records are searched when they are emitted, against the PII known at that moment: a user's values cannot be in
    a record logged before the user existed. Keeping only the leaks keeps the memory flat however much is logged.
    """

    def __init__(self, pii: Pii | None = None) -> None:
        """``pii`` fixes what is searched for (tests of the check); by default it is :func:`known_pii`."""
        super().__init__(logging.DEBUG)
        self.leaks: list[Leak] = []
        self.directories: list[Path] = []
        self.installed = False
        self._fixed = pii
        self._pii: Pii | None = None
        self._users_seen = -1
        self._read: dict[Path, int] = {}
        self.setFormatter(logging.Formatter("%(message)s"))

    @property
    def pii(self) -> Pii:
        """What is searched for now (rebuilt when users were added)."""
        if self._fixed is not None:
            return self._fixed
        if self._pii is None or self._users_seen != len(USERS):
            self._users_seen = len(USERS)
            self._pii = known_pii()
        return self._pii

    def emit(self, record: logging.LogRecord) -> None:
        """Search the formatted record: message, arguments, traceback."""
        try:
            self.search(self.format(record), f"log {record.name} {record.levelname}")
        except Exception:  # a record that cannot be formatted is the logger's caller's bug, reported by logging
            self.handleError(record)

    def search(self, text: str, where: str) -> None:
        """Search one text now; a leak is kept for the next :meth:`check`."""
        if text and (found := self.pii.find(text)):
            self.leaks.append(Leak(where, found, text))

    def record_output(self, text: str, where: str) -> None:
        """Output of a process (stdout, stderr), searched like a record."""
        self.search(text, where)

    def watch(self, directory: Path) -> None:
        """A directory whose ``*.log`` files (a site's worker and commands) are searched at every check from now on."""
        self.directories.append(directory)

    def check(self) -> list[Leak]:
        """Search what the watched log files gained; return and forget every leak found since the last check."""
        self.directories = [directory for directory in self.directories if directory.is_dir()]
        for directory in self.directories:
            for path in sorted(directory.glob("*.log")):
                with path.open("rb") as stream:
                    stream.seek(self._read.get(path, 0))
                    text = stream.read()
                    self._read[path] = stream.tell()
                self.search(text.decode("utf-8", "replace"), f"file {path.name} of {directory}")
        leaks, self.leaks = self.leaks, []
        return leaks

    def install(self) -> None:
        """Attach to the root logger at DEBUG (again, if logging was configured since: Django's dictConfig)."""
        from common.djangoapps.student.models import UserProfile
        from django.contrib.auth.models import User
        from django.db.models.signals import post_save

        post_save.connect(_on_user_saved, sender=User, dispatch_uid="oars-logcheck-user")
        post_save.connect(_on_profile_saved, sender=UserProfile, dispatch_uid="oars-logcheck-profile")
        self.installed = True
        root = logging.getLogger()
        if self not in root.handlers:
            root.addHandler(self)
        root.setLevel(logging.DEBUG)
        for handler in root.handlers:
            # The site's console handler (Django's LOGGING) keeps printing what it printed before.
            if type(handler) is logging.StreamHandler and handler.level == logging.NOTSET:
                handler.setLevel(os.environ.get("OARS_TEST_LOG_LEVEL", "WARNING"))
        for logger in list(logging.Logger.manager.loggerDict.values()):
            if isinstance(logger, logging.Logger) and logger.propagate and logger.level > logging.DEBUG:
                logger.setLevel(logging.DEBUG)

#: The session's capture (tests/conftest.py installs it and checks it after every test and at the end).
CAPTURE = LogCapture()


def watch(directory: Path) -> None:
    """Search what this directory's ``*.log`` files gain, after the current test and every later one."""
    CAPTURE.watch(directory)


def record_output(text: str, where: str) -> None:
    """Search this process output after the current test."""
    CAPTURE.record_output(text, where)


def report(leaks: Iterable[Leak]) -> str:
    """The failure message."""
    return "personal data or a password was logged:\n" + "\n".join(f"  {leak}" for leak in leaks)
