"""The dashboards' ``inline_code`` filter: literals become <code>, everything else stays escaped text."""

from __future__ import annotations

from oars_platform.templatetags.oars_text import inline_code


def test_rst_and_markdown_literals_become_code() -> None:
    assert inline_code("counted once (``uniqExact(event_id)``), within `since`") == (
        "counted once (<code>uniqExact(event_id)</code>), within <code>since</code>"
    )


def test_markup_in_the_text_or_a_literal_stays_text() -> None:
    assert inline_code("<b>x</b> ``<script>alert(1)</script>`` & `\"q\"`") == (
        "&lt;b&gt;x&lt;/b&gt; <code>&lt;script&gt;alert(1)&lt;/script&gt;</code> &amp; <code>&quot;q&quot;</code>"
    )


def test_a_lone_backtick_is_left_alone() -> None:
    assert inline_code("it's `open") == "it&#x27;s `open"
