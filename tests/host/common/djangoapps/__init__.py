"""Stand-ins for common.djangoapps."""
