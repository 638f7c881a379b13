"""Template filters of the dashboards."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# ``literal`` (reStructuredText) or `literal` (Markdown): report descriptions share their docstrings' markup.
_LITERAL = re.compile(r"``(.+?)``|`([^`]+)`")


@register.filter
def inline_code(text: str) -> SafeString:
    """Escape ``text``, then show its inline literals as ``<code>``: a description reads as prose, not markup.

    The text is escaped first and only backticks (which escaping leaves alone) are turned into tags, so nothing in
    the text can produce markup of its own.
    """
    escaped = str(conditional_escape(text))
    return mark_safe(_LITERAL.sub(lambda match: f"<code>{match.group(1) or match.group(2)}</code>", escaped))
