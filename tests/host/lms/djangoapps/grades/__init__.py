"""Stand-in for lms.djangoapps.grades (app label `grades`)."""
