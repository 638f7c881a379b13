"""Stand-in for openedx.core."""
