"""Stand-in for edx-platform's `openedx` package."""
