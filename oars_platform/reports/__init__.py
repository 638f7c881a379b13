"""Reports over the derived schema (migration 0008): definitions in one module per subject, listed in ``registry``."""
