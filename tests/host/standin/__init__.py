"""Helpers for tests and the demo: factories for platform rows and a seeded course generator."""
