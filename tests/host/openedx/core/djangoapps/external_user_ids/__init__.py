"""Stand-in for openedx.core.djangoapps.external_user_ids (app label `external_user_ids`)."""
