"""The adapter to edx-platform: the only code in the plugin that imports platform modules.

Each module here wraps one platform area (users and external ids, course overviews, the modulestore, enrollments,
grades, certificates, roles) behind plain functions returning plain values. Platform imports happen inside the
functions, so importing this package never requires the platform (or the LMS-only apps when running in Studio).
The test suite's stand-in host provides the same module paths, which makes the two interchangeable.
"""
