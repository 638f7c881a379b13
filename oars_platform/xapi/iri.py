"""Absolute-IRI checks (RFC 3987), shared by the transformer (cheap component checks) and the validator.

Statements are only useful if their ids are IRIs, so transformers refuse to splice values that would break an IRI
(whitespace, quotes, angle brackets, control characters, stray `%`) into one; such events become `invalid_event`.
The character set is RFC 3987's `iunreserved / sub-delims / ":" / "@" / "/" / "?" / "#" / "[" / "]"` plus
percent-encoded octets; the structure of the authority is not checked.
"""

from __future__ import annotations

import re


def _ucschar_ranges() -> str:
    """RFC 3987 ucschar and iprivate ranges as a regex character-class body."""
    ranges = ["\u00a0-\ud7ff", "\ue000-\ufdcf", "\ufdf0-\uffef"]
    for plane in range(1, 17):
        start = chr(plane << 16)
        end = chr((plane << 16) | 0xFFFD)
        ranges.append(f"{start}-{end}")
    return "".join(ranges)


_ASCII_CHARS = r"A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]"
_CHARS = _ASCII_CHARS + _ucschar_ranges()
_COMPONENT = re.compile(rf"(?:[{_CHARS}]|%[0-9A-Fa-f]{{2}})+")
_ABSOLUTE = re.compile(rf"[A-Za-z][A-Za-z0-9+.\-]*:(?:[{_CHARS}]|%[0-9A-Fa-f]{{2}})*")
# Fast paths: plain ASCII character classes, without percent-escapes, match several times faster and accept
# almost every real value; anything they refuse goes through the full patterns.
_ASCII_COMPONENT = re.compile(rf"[{_ASCII_CHARS}]+")
_ASCII_ABSOLUTE = re.compile(rf"[A-Za-z][A-Za-z0-9+.\-]*:[{_ASCII_CHARS}]*")


def is_absolute_iri(value: object) -> bool:
    """True if `value` is a string with a scheme and only IRI characters."""
    if type(value) is not str:
        return isinstance(value, str) and _ABSOLUTE.fullmatch(value) is not None
    return _ASCII_ABSOLUTE.fullmatch(value) is not None or _ABSOLUTE.fullmatch(value) is not None


def is_iri_component(value: object) -> bool:
    """True if `value` is a non-empty string that can be appended to an IRI and keep it valid."""
    if type(value) is not str:
        return isinstance(value, str) and _COMPONENT.fullmatch(value) is not None
    return _ASCII_COMPONENT.fullmatch(value) is not None or _COMPONENT.fullmatch(value) is not None
