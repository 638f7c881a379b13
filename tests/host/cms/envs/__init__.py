"""CMS settings modules (common, test, production)."""
