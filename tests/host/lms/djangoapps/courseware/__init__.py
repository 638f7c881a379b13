"""The LMS courseware app; only its access module (``has_access``) is reproduced."""
