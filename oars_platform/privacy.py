"""What may leave the pipeline about a person: the one scrubber for quarantine rows, dead letters, logs and errors.

Personal data (PII) here means usernames, email addresses, IP addresses and names, plus what identifies a browser or
carries them along: the user agent, and the referer and page URLs (their query strings may hold anything). It may
be stored only in the PII tables (``user_profile``, ``external_id``) and only with ``OARS_PII_ENABLED``; statements
are anonymous by default. Everything else the plugin keeps or says about an event goes through this module first:

* :func:`scrub_event` takes a parsed event (or statement) and replaces the value of every PII key (:data:`PII_KEYS`,
  at any depth, inside a tracking-log line's ``event`` JSON string too) with :data:`REDACTED`. It keeps what a replay
  needs to give the *same* statement (same id, same content): the user id, the timestamp text, the session, the
  course, and every value the transform reads. The statement never reads a PII key, with one exception: when the
  event names its learner only by username, that one username is the user reference and stays (ERB's order of
  user fields decides which one it is). Actors in ``mbox`` modes are re-resolved from the user id on replay, as
  the live path does, so no email has to be kept.
* :func:`scrub_raw` does the same for event *text* (a buffered event, a log line): JSON is parsed and scrubbed;
  text that is not JSON (what ``malformed_json`` quarantines) goes through :func:`scrub_text`.
* :func:`scrub_text` cleans free text (exception messages, ClickHouse errors, unparseable events): emails, IP
  addresses, ``"username": "..."``-style pairs and ``?email=`` query parameters become placeholders, and
  :func:`mask_secrets` runs first. Loopback addresses and the hosts of our own service URLs are kept: they name
  servers, not people, and an operator needs them to read a connection error.
* :func:`mask_secrets` removes passwords: the userinfo of any URL in the text, and the passwords of the configured
  ClickHouse and Redis URLs wherever they appear. Checks and ``oars_status`` use it; they show URLs masked.

None of this runs on the success path of an event: only where something is quarantined, dead-lettered or logged.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import orjson

from oars_platform.clickhouse import mask_url
from oars_platform.xapi.inputs import USER_FIELDS

#: What a PII value is replaced with (a non-empty string, so field lookups that skip empty values still skip it
#: only where they did before: the user reference order is unchanged).
REDACTED = "[redacted]"

#: Keys whose values are personal data, compared in lower case, at any depth of an event or statement.
PII_KEYS = frozenset(
    {
        # who
        "username", "user_name", "target_username", "author_username",
        "email", "email_address", "user_email", "mail", "mbox",
        "name_full", "full_name", "fullname", "first_name", "last_name",
        # where from
        "ip", "ip_address", "remote_addr", "x_forwarded_for",
        # the browser and the pages, whose URLs may carry anything in their query strings
        "agent", "user_agent", "http_user_agent", "referer", "referrer", "page",
        # free text a learner wrote that no statement uses (forum post bodies)
        "body",
    }
)

#: ERB's order of user fields (spec §1.2): the first non-empty one is the learner. ``data`` is the event's payload,
#: under ``data`` (live shape) or ``event`` (tracking-log shape, possibly a JSON string).
_USER_FIELDS = (("data", "user_id"), ("data", "username"), ("top", "user_id"), ("context", "user_id"),
                ("top", "username"), ("context", "username"))

_KEYS = "|".join(sorted(PII_KEYS, key=len, reverse=True))
# "key": "value" (JSON), \"key\": \"value\" (JSON inside a JSON string) and 'key': 'value' (Python repr). A value cut
# off by truncation runs to the end of the text. Every pattern is linear: no nested quantifiers.
_JSON_PAIR = re.compile(rf'("(?i:{_KEYS})"\s*:\s*")(?:[^"\\]|\\.)*("|\\?\Z)')
_ESCAPED_PAIR = re.compile(rf'(\\"(?i:{_KEYS})\\"\s*:\s*\\")(?:(?!\\").)*(\\"|\Z)', re.DOTALL)
_REPR_PAIR = re.compile(rf"('(?i:{_KEYS})'\s*:\s*')(?:[^'\\]|\\.)*('|\\?\Z)")
_QUERY_PAIR = re.compile(rf"((?:^|[?&;])(?i:{_KEYS})=)[^&#\s\"'<>]*")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?(?![\w:])")
#: Passwords shorter than this are not searched for in free text (masking "ab" everywhere would garble messages);
#: they are still masked inside URLs.
_MIN_SECRET = 4


# -- events ------------------------------------------------------------------------------------------------------
def scrub_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``event`` with every PII value replaced (see the module docstring); ``event`` is not modified."""
    keep = _user_reference_path(event)
    scrubbed = _scrub(dict(event), (), keep)
    return scrubbed if isinstance(scrubbed, dict) else {}


def scrub_value(value: Any) -> Any:
    """A copy of any JSON-like value (a task payload) with the values of PII keys replaced."""
    return _scrub(value, (), None)


def scrub_raw(text: str) -> str:
    """Event text with PII removed: parsed and scrubbed as an event when it is JSON, as free text otherwise."""
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        start = text.find("{")
        if start <= 0:
            return scrub_text(text)
        try:  # a log line: a prefix (syslog, logging) then the event
            parsed = orjson.loads(text[start:])
        except orjson.JSONDecodeError:
            return scrub_text(text)
        return scrub_text(text[:start]) + _dumps(scrub_event(parsed) if isinstance(parsed, dict) else parsed, text)
    if isinstance(parsed, dict):
        return _dumps(scrub_event(parsed), text)
    if isinstance(parsed, str):
        return scrub_text(text)
    return _dumps(scrub_value(parsed), text)


def _dumps(value: Any, original: str) -> str:
    try:
        return orjson.dumps(value).decode()
    except (TypeError, orjson.JSONEncodeError):  # nesting orjson parses but will not write: treat as text
        return scrub_text(original)


def _payload(event: Mapping[str, Any]) -> tuple[str | None, Any]:
    """Where the event's payload is (``data`` or ``event``) and its parsed value, as the transform reads it."""
    if "data" in event:
        return "data", event["data"]
    if "event" in event:
        payload = event["event"]
        if isinstance(payload, str | bytes):
            try:
                payload = orjson.loads(payload)
            except orjson.JSONDecodeError:
                return "event", None
        return "event", payload
    return None, None


def _user_reference_path(event: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The path of the field that names the learner, when it is a username (the one PII value a replay needs)."""
    key, payload = _payload(event)
    context = event.get("context")
    places = {
        "data": payload if isinstance(payload, dict) else {},
        "top": event,
        "context": context if isinstance(context, dict) else {},
    }
    for place, name in USER_FIELDS:
        if places[place].get(name):
            if name != "username":
                return None
            return {"data": (key or "data", name), "top": (name,), "context": ("context", name)}[place]
    return None


def _scrub(value: Any, path: tuple[str, ...], keep: tuple[str, ...] | None, depth: int = 0) -> Any:
    if depth > 200:  # deeper than any event we accept: keep nothing of it
        return REDACTED
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for key, item in value.items():
            here = (*path, key) if isinstance(key, str) else path
            if isinstance(key, str) and item and key.lower() in PII_KEYS and here != keep:
                out[key] = REDACTED
            elif path == () and key in ("event", "data") and isinstance(item, str | bytes):
                # A payload as a string: a log line's `event` (JSON) is scrubbed field by field. Other text is
                # scrubbed by pattern: the transform rejects it, or reads only a browser problem_check form's
                # problem id (`input_<hex>_...`), which no pattern touches, so no statement changes.
                out[key] = _scrub_payload_text(item, keep if key == "event" and "data" not in value else None)
            else:
                out[key] = _scrub(item, here, keep, depth + 1)
        return out
    if isinstance(value, list | tuple):
        return [_scrub(item, path, None, depth + 1) for item in value]
    return value


def _scrub_payload_text(text: str | bytes, keep: tuple[str, ...] | None) -> str:
    """An event's payload given as a string (``event`` of a log line), scrubbed and written back as a string."""
    original = text if isinstance(text, str) else text.decode("utf-8", "replace")
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return scrub_text(original)
    if not isinstance(parsed, dict | list):
        return scrub_text(original)
    return _dumps(_scrub(parsed, ("event",), keep, 1), original)


# -- free text ---------------------------------------------------------------------------------------------------
def scrub_text(text: str) -> str:
    """Free text with secrets, emails, IP addresses and PII key/value pairs replaced (see the module docstring)."""
    if not text:
        return text
    text = mask_secrets(text)
    text = _JSON_PAIR.sub(rf"\1{REDACTED}\2", text)
    text = _ESCAPED_PAIR.sub(rf"\1{REDACTED}\2", text)
    text = _REPR_PAIR.sub(rf"\1{REDACTED}\2", text)
    text = _QUERY_PAIR.sub(rf"\1{REDACTED}", text)
    text = _EMAIL.sub("[email]", text)
    kept = _service_hosts()
    text = _IPV4.sub(lambda match: _ip_or_placeholder(match.group(0), kept), text)
    return _IPV6.sub(lambda match: _ip_or_placeholder(match.group(0), kept), text)


def _ip_or_placeholder(candidate: str, kept: frozenset[str]) -> str:
    try:
        address = ipaddress.ip_address(candidate.split("%", 1)[0])
    except ValueError:
        return candidate  # not an address (a time, a version number)
    if address.is_loopback or address.is_unspecified or str(address) in kept:
        return candidate
    return "[ip]"


def mask_secrets(text: str) -> str:
    """Text with the password of every URL in it, and every configured service password, replaced by ``***``."""
    if not text:
        return text
    text = mask_url(text)
    for secret in _service_secrets():
        text = text.replace(secret, "***")
    return text


def _service_urls() -> tuple[str, ...]:
    """The URLs whose passwords and hosts we know: ClickHouse, the event buffer's Redis, the Celery broker."""
    try:
        from django.conf import settings

        if not settings.configured:
            return ()
        names = ("OARS_CLICKHOUSE_URL", "OARS_REDIS_URL", "BROKER_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
        return tuple(value for name in names if isinstance(value := getattr(settings, name, None), str) and value)
    except Exception:  # no Django here (a replay worker process): only URLs in the text itself are masked
        return ()


def _service_secrets() -> tuple[str, ...]:
    return _secrets_of(_service_urls())


def _service_hosts() -> frozenset[str]:
    return _hosts_of(_service_urls())


@functools.lru_cache(maxsize=32)
def _secrets_of(urls: tuple[str, ...]) -> tuple[str, ...]:
    """Each password in its plain, percent-decoded and percent-encoded forms, longest first."""
    found: set[str] = set()
    for url in urls:
        try:
            password = urlsplit(url).password
        except ValueError:
            continue
        if password:
            found.update({password, unquote(password), quote(unquote(password), safe="")})
    return tuple(sorted((secret for secret in found if len(secret) >= _MIN_SECRET), key=len, reverse=True))


@functools.lru_cache(maxsize=32)
def _hosts_of(urls: tuple[str, ...]) -> frozenset[str]:
    hosts = set()
    for url in urls:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            continue
        if host:
            hosts.add(host)
    return frozenset(hosts)
