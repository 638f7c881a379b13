"""oars_platform: the Open Analytics Reference System plugin for Open edX.

Tracking events become xAPI statements, course structure and learner data become rows, and all of it lands in
ClickHouse, where the OARS reports read it.
"""

__version__ = "0.1.0"
