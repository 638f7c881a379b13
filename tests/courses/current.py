"""What reports see of a course's structure now: its rows in ``oars.course_blocks_current``, in course order.

A test helper (the reports query the view themselves, with their own columns): it reads the view the way a report
starts from it, filtered on ``course_key`` first.
"""

from __future__ import annotations

from oars_platform.clickhouse import ClickHouseClient
from oars_platform.clickhouse.sql import qualified
from oars_platform.conf import get_config
from oars_platform.connection import get_client


def current_blocks(course_key: str, client: ClickHouseClient | None = None) -> list[dict]:
    """The blocks of the course's newest committed dump, in course order."""
    view = qualified(get_config().databases.oars, "course_blocks_current")
    sql = f"SELECT * FROM {view} WHERE course_key = {{course_key:String}} ORDER BY course_order"
    return (client or get_client()).query(sql, {"course_key": course_key}).dicts()
