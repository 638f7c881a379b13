"""xAPI 1.0.3 statement validation: a JSON Schema (Draft 2020-12) plus the rules a schema cannot express.

`validate_statement(statement)` returns a list of error strings (`"<path>: <message>"`), empty when valid. The schema
(`xapi_statement.schema.json`, shipped beside this module) covers structure, required properties, objectType values,
StatementRef shape, additionalProperties and the scaled-score range; the format checkers below cover absolute IRIs
(RFC 3987), language tags (RFC 5646), UUIDs, ISO 8601 timestamps and durations and mailto IRIs; `_semantic_errors`
covers min <= raw <= max, max > min, and `context.revision`/`platform` only for Activity objects.

ERB parity versus strict validity. Rule 1 (parity) wins for ERB events, so two kinds of statements in the ERB
fixtures are knowingly invalid and stay so in our output (`ERB_PARITY_EXCEPTIONS`):

* exam attempts (`edx.special_exam.*`): the grouping activity id is the attempt code, a bare UUID with no scheme, so
  it is not an absolute IRI (`context.contextActivities.grouping[0].id`, format iri). The exam object id and the
  `edx.problem.completed` object id are raw usage keys (`block-v1:...`); `block-v1` is a valid IRI scheme, so those
  pass.
* multi-question `problem_check`: ERB uses `"objectType": "GroupActivity"` for the parent problem, which xAPI
  1.0.3 does not define; it appears as the parent statement's `object.objectType` and as the child statements'
  `context.contextActivities.parent[0].objectType`.

Pass `allow_erb_parity=True` to drop exactly those errors (nothing else).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from oars_platform.xapi.iri import is_absolute_iri

SCHEMA_PATH = Path(__file__).with_name("xapi_statement.schema.json")

# (path regex, error code, why): errors ERB statements carry by design and that parity keeps.
ERB_PARITY_EXCEPTIONS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"context\.contextActivities\.grouping\[\d+\]\.id"), "format:iri",
     "exam attempt grouping id is the attempt code (a UUID), not an IRI"),
    (re.compile(r"object\.objectType"), "const:GroupActivity",
     "multi-question problem_check parent uses objectType GroupActivity"),
    (re.compile(r"context\.contextActivities\.parent\[\d+\]\.objectType"), "const:GroupActivity",
     "multi-question problem_check children name the GroupActivity parent"),
)

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
_DURATION = re.compile(r"P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?")
_MAILTO = re.compile(r"mailto:[^\s@]+@[^\s@]+")

# RFC 5646 (BCP 47) Language-Tag, case-insensitive.
_ALNUM = "[a-z0-9]"
_LANGTAG = (
    r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # language (with up to 3 extlang)
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    rf"(?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"  # variants
    rf"(?:-[0-9a-wyz](?:-{_ALNUM}{{2,8}})+)*"  # extensions
    rf"(?:-x(?:-{_ALNUM}{{1,8}})+)?"  # private use
)
_PRIVATEUSE = rf"x(?:-{_ALNUM}{{1,8}})+"
_GRANDFATHERED = (
    "en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn|i-tao|i-tay|i-tsu|"
    "sgn-be-fr|sgn-be-nl|sgn-ch-de|art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang"
)
_LANGUAGE_TAG = re.compile(rf"(?:{_LANGTAG}|{_PRIVATEUSE}|{_GRANDFATHERED})", re.IGNORECASE)


def is_language_tag(value: object) -> bool:
    """RFC 5646 Language-Tag syntax."""
    return isinstance(value, str) and _LANGUAGE_TAG.fullmatch(value) is not None


def is_timestamp(value: object) -> bool:
    """ISO 8601 date-time with a time zone, as xAPI timestamps must be."""
    if not isinstance(value, str) or _TIMESTAMP.fullmatch(value) is None:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_duration(value: object) -> bool:
    """ISO 8601 duration (`PnYnMnDTnHnMnS` or `PnW`) with at least one component."""
    return (isinstance(value, str) and _DURATION.fullmatch(value) is not None
            and any(ch.isdigit() for ch in value) and not value.endswith("T"))


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("iri")(is_absolute_iri)
    checker.checks("uuid")(lambda value: isinstance(value, str) and _UUID.fullmatch(value) is not None)
    checker.checks("date-time")(is_timestamp)
    checker.checks("duration")(is_duration)
    checker.checks("language-tag")(is_language_tag)
    checker.checks("mailto-iri")(lambda value: isinstance(value, str) and _MAILTO.fullmatch(value) is not None)
    return checker


def _inline_refs(node: Any, defs: dict[str, Any], stack: tuple[str, ...] = ()) -> Any:
    """Replace local `$ref`s by their target (recursive ones excepted): `$ref` lookups were a third of the time."""
    if isinstance(node, list):
        return [_inline_refs(item, defs, stack) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and len(node) == 1:
        path = ref.removeprefix("#/$defs/")
        if path in stack:
            return node
        target: Any = defs
        for part in path.split("/"):
            target = target[part]
        return _inline_refs(target, defs, (*stack, path))
    return {key: value if key == "$defs" else _inline_refs(value, defs, stack) for key, value in node.items()}


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(_inline_refs(schema, schema["$defs"]), format_checker=_format_checker())


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<statement>"


def _leaves(error: ValidationError) -> list[ValidationError]:
    """For oneOf/anyOf, keep the branch that got furthest into the instance (the most specific errors)."""
    if not error.context:
        return [error]
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    best = max(branches.values(), key=lambda errs: max(len(e.absolute_path) for e in errs))
    if max(len(e.absolute_path) for e in best) <= len(error.absolute_path):
        return [error]
    return [leaf for sub in best for leaf in _leaves(sub)]


def _code(error: ValidationError) -> str:
    if error.validator == "format":
        return f"format:{error.validator_value}"
    if error.validator == "const":
        return f"const:{error.instance}"
    return str(error.validator)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _semantic_errors(statement: dict[str, Any]) -> list[tuple[str, str, str]]:
    errors: list[tuple[str, str, str]] = []
    result = statement.get("result")
    score = result.get("score") if isinstance(result, dict) else None
    if isinstance(score, dict):
        low, raw, high = score.get("min"), score.get("raw"), score.get("max")
        if _number(low) and _number(high) and not low < high and not (low == high == 0):
            errors.append(("result.score", "score-order", "max must be greater than min"))
        if _number(raw) and ((_number(low) and raw < low) or (_number(high) and raw > high)):
            errors.append(("result.score.raw", "score-order", "raw must be between min and max"))
    context = statement.get("context")
    obj = statement.get("object")
    object_type = obj.get("objectType", "Activity") if isinstance(obj, dict) else None
    if isinstance(context, dict) and object_type != "Activity":
        errors.extend((f"context.{key}", "context-activity-only", f"{key} is only allowed when the object is an "
                       "Activity") for key in ("revision", "platform") if key in context)
    return errors


def validate_statement(statement: Any, *, allow_erb_parity: bool = False) -> list[str]:
    """Errors making `statement` invalid xAPI 1.0.3, as `"<path>: <message> [<code>]"` strings; [] if valid.

    Note on scores: ERB emits `max == min == 0` for problems worth nothing (fixtures `max_grade_0`,
    `weighted_possible_0`); that degenerate score is accepted here although the spec asks for max > min.
    """
    issues: list[tuple[str, str, str]] = []
    for error in _validator().iter_errors(statement):
        for leaf in _leaves(error):
            issues.append((_path(leaf.absolute_path), _code(leaf), leaf.message))
    if isinstance(statement, dict):
        issues.extend(_semantic_errors(statement))
    if allow_erb_parity:
        issues = [issue for issue in issues if not _is_parity_exception(issue[0], issue[1])]
    return [f"{path}: {message} [{code}]" for path, code, message in issues]


def _is_parity_exception(path: str, code: str) -> bool:
    return any(pattern.fullmatch(path) and code == expected for pattern, expected, _ in ERB_PARITY_EXCEPTIONS)
