"""Stand-ins for the LMS Django apps the plugin reads."""
