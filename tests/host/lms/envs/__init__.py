"""LMS settings modules (common, test, production)."""
