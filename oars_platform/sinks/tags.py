"""The content-tagging sinks: ``event_sink.tag``, ``event_sink.taxonomy`` and ``event_sink.object_tag``.

They fill the tables of tutor-contrib-aspects' migration 0039 (our migration 0011) with the values
platform-plugin-aspects writes: the platform's row ids, foreign keys as ids (0 where the platform has NULL, as
Aspects' CSV insert stores an empty field), ``lineage`` as a JSON list of values from the root tag down (an object
tag without a tag, free text or a deleted tag, has its cached value alone), and the dump stamp. aspects-dbt reads the
newest row per id (``dim_most_recent_tags`` and its siblings). The live receivers (``signals/models.py``) write a row
after each save; ``dump_data_to_clickhouse --object tag|taxonomy|object_tag`` backfills them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from oars_platform.platform.learners import Page
from oars_platform.sinks.base import Columns, Freshness, Sink, Stamp
from oars_platform.sinks.learners import SINKS

_STAMPED = ("dump_id", "time_last_dumped")


def _ids(values: Iterable[Any]) -> list[int]:
    return [0 if value is None else int(value) for value in values]


def _text(values: Iterable[Any]) -> list[str]:
    return ["" if value is None else str(value) for value in values]


def _lineage(stored: str | None) -> str:
    """The platform's tab-separated lineage (``"Root\\tChild\\t"``) as the JSON list ``Tag.get_lineage()`` gives."""
    return json.dumps((stored or "").rstrip("\t").split("\t"))


def _stamps(stamp: Stamp, count: int) -> dict[str, list[str]]:
    return {"dump_id": [stamp.dump_id] * count, "time_last_dumped": [stamp.text] * count}


TAG_COLUMNS = ("id", "taxonomy", "parent", "value", "external_id", "lineage", *_STAMPED)


def build_tag(page: Page, stamp: Stamp) -> Columns:
    """Tag rows."""
    cols = page.columns()
    return {
        "id": _ids(cols["id"]),
        "taxonomy": _ids(cols["taxonomy"]),
        "parent": _ids(cols["parent"]),
        "value": _text(cols["value"]),
        "external_id": _text(cols["external_id"]),
        "lineage": [_lineage(value) for value in cols["lineage"]],
        **_stamps(stamp, len(page.rows)),
    }


TAXONOMY_COLUMNS = ("id", "name", *_STAMPED)


def build_taxonomy(page: Page, stamp: Stamp) -> Columns:
    """Taxonomy rows."""
    cols = page.columns()
    return {"id": _ids(cols["id"]), "name": _text(cols["name"]), **_stamps(stamp, len(page.rows))}


OBJECT_TAG_COLUMNS = ("id", "object_id", "taxonomy", "tag", "_value", "_export_id", "lineage", *_STAMPED)


def build_object_tag(page: Page, stamp: Stamp) -> Columns:
    """Object tag rows; the lineage is the tag's, or ``[_value]`` when the object tag has no tag."""
    cols = page.columns()
    lineages = [
        _lineage(lineage) if tag is not None else json.dumps([value or ""])
        for tag, lineage, value in zip(cols["tag"], cols["tag_lineage"], cols["_value"], strict=True)
    ]
    return {
        "id": _ids(cols["id"]),
        "object_id": _text(cols["object_id"]),
        "taxonomy": _ids(cols["taxonomy"]),
        "tag": _ids(cols["tag"]),
        "_value": _text(cols["_value"]),
        "_export_id": _text(cols["_export_id"]),
        "lineage": lineages,
        **_stamps(stamp, len(page.rows)),
    }


def _sink(name: str, columns: tuple[str, ...], build: Any) -> Sink:
    state = tuple(column for column in columns if column not in ("id", *_STAMPED))
    return Sink(
        name=name,
        role="event_sink",
        table=name,
        columns=columns,
        build=build,
        source=name,
        # Unchanged rows are not written again (the newest stored row per id is compared).
        freshness=Freshness("event_sink", name, "id", "Int32", "time_last_dumped", state),
    )


TAG_SINKS = (
    SINKS.register(_sink("tag", TAG_COLUMNS, build_tag)),
    SINKS.register(_sink("taxonomy", TAXONOMY_COLUMNS, build_taxonomy)),
    SINKS.register(_sink("object_tag", OBJECT_TAG_COLUMNS, build_object_tag)),
)
