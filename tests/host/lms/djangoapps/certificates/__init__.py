"""Stand-in for lms.djangoapps.certificates (app label `certificates`)."""
