"""Stand-in for openedx.core.djangoapps.user_api (signals only)."""
