"""Stand-in for lms.djangoapps.ccx (app label `ccx`)."""
