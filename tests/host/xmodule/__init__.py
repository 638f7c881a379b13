"""Stand-in for edx-platform's `xmodule` package: only the modulestore API."""
