"""Stand-ins for Studio Django apps."""
