"""Stand-in for common.djangoapps.track: the legacy shim processors used by EVENT_TRACKING_BACKENDS."""
