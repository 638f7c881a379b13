"""Stand-in for course_overviews (app label `course_overviews`)."""
