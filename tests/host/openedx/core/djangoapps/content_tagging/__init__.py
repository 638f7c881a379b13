"""The platform's content tagging app (tags on courses, blocks and libraries, built on ``openedx_tagging``)."""
