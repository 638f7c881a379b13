"""Stand-in for course_groups (cohorts; app label `course_groups`)."""
