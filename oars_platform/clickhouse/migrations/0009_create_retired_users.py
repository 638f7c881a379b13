"""Create ``oars.retired_users``: the ids of users retired by the platform, so no writer re-adds their personal data.

Retirement (``oars_platform.retirement``) records the user id here *before* it deletes the user's rows from the
personal-data tables; every sink write (live or backfill) then drops personal rows of these ids and blanks their
usernames (``oars_platform.sinks.retired``). Only the numeric id is kept, never a name or an email. One row per
user once merged; readers use ``DISTINCT``, so duplicates before a merge do not matter.
"""

from oars_platform.clickhouse.ddl import CreateTable

OPERATIONS = [
    CreateTable(
        role="oars",
        name="retired_users",
        columns=(
            ("user_id", "Int64"),
            ("retired_at", "DateTime64(3, 'UTC')"),
        ),
        engine="ReplacingMergeTree",
        order_by="user_id",
    ),
]
