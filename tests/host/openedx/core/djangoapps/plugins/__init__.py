"""Stand-in for the platform's plugins app, which connects plugin signal receivers."""
