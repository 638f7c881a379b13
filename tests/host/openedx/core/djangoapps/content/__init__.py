"""Stand-in for openedx.core.djangoapps.content."""
