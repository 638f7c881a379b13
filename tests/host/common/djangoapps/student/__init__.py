"""Stand-in for common.djangoapps.student (app label `student`)."""
