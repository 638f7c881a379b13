"""Stand-ins for openedx.core.djangoapps."""
