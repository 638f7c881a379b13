"""Stand-in for user_api.accounts (signals only)."""
