"""Stand-in for Studio's contentstore app: only its course_published handler."""
