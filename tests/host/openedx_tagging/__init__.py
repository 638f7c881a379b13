"""Content tagging's models (``openedx_tagging``, app label ``oel_tagging``), shipped by openedx-core.

The platform installs openedx-core (formerly openedx-learning) and adds ``openedx_tagging`` to ``INSTALLED_APPS`` in
both the LMS and Studio; the stand-in does the same with the fields the plugin reads, in openedx-core 0.39's shapes.
"""
