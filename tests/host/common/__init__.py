"""Stand-in for edx-platform's `common` package."""
