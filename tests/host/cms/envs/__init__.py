"""CMS settings modules (common, test)."""
