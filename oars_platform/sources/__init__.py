"""Where data comes from before it is transformed: course structure (modulestore, OLX exports) and files on disk.

Modules here only read and model their input (``course_rows`` turns a snapshot into rows keyed by column name);
writing them to ClickHouse is :mod:`oars_platform.sinks.courses`' job.
"""
