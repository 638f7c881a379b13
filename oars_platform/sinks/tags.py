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
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from oars_platform.sinks.base import Freshness, Sink
from oars_platform.sinks.learners import SINKS
from oars_platform.sinks.schema import Column, Table
from oars_platform.sinks.values import DUMP_STAMP, ids, text


def _lineage(stored: str | None) -> str:
    """The platform's tab-separated lineage (``"Root\\tChild\\t"``) as the JSON list ``Tag.get_lineage()`` gives."""
    return json.dumps((stored or "").rstrip("\t").split("\t"))


def _lineages(values: Iterable[str | None]) -> list[str]:
    return [_lineage(value) for value in values]


def _object_tag_lineage(fields: Mapping[str, Sequence[Any]], stamp: Any, count: int) -> list[str]:
    """The tag's lineage, or ``[_value]`` when the object tag has no tag (free text, a deleted tag)."""
    return [
        _lineage(lineage) if tag is not None else json.dumps([value or ""])
        for tag, lineage, value in zip(fields["tag"], fields["tag_lineage"], fields["_value"], strict=True)
    ]


TAG = Table(
    "event_sink",
    "tag",
    (
        Column("id", "Int32", read="id", convert=ids),
        Column("taxonomy", "Int32", read="taxonomy_id", convert=ids),
        Column("parent", "Int32", read="parent_id", convert=ids),
        Column("value", "String", read="value", convert=text),
        Column("external_id", "String", read="external_id", convert=text),
        Column("lineage", "String", read="lineage", convert=_lineages),
        *DUMP_STAMP,
    ),
)

TAXONOMY = Table(
    "event_sink",
    "taxonomy",
    (Column("id", "Int32", read="id", convert=ids), Column("name", "String", read="name", convert=text), *DUMP_STAMP),
)

OBJECT_TAG = Table(
    "event_sink",
    "object_tag",
    (
        Column("id", "Int32", read="id", convert=ids),
        Column("object_id", "String", read="object_id", convert=text),
        Column("taxonomy", "Int32", read="taxonomy_id", convert=ids),
        Column("tag", "Int32", read="tag_id", convert=ids),
        Column("_value", "String", read="_value", convert=text),
        Column("_export_id", "String", read="_export_id", convert=text),
        Column("lineage", "String", fill=_object_tag_lineage),
        *DUMP_STAMP,
    ),
    extra_reads=(("tag_lineage", "tag__lineage"),),
)


def _sink(table: Table, model: str) -> Sink:
    stamped = {column.name for column in DUMP_STAMP}
    state = tuple(name for name in table.names if name not in ("id", *stamped))
    return Sink(
        name=table.name,
        target=table,
        model=model,
        # Unchanged rows are not written again (the newest stored row per id is compared).
        freshness=Freshness("id", "time_last_dumped", state),
        course_field=None,
    )


TAG_SINKS = (
    SINKS.register(_sink(TAG, "openedx_tagging.models:Tag")),
    SINKS.register(_sink(TAXONOMY, "openedx_tagging.models:Taxonomy")),
    SINKS.register(_sink(OBJECT_TAG, "openedx_tagging.models:ObjectTag")),
)
