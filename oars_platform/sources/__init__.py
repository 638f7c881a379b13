"""Where data comes from before it is transformed: course structure (modulestore, OLX exports) and files on disk.

Modules here read and model their input and stay free of ClickHouse-specific SQL except the course dump modules
(``course_dump``, ``course_backfill``), which write what ``course_rows`` produces.
"""
