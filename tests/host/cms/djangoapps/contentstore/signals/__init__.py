"""Signal handlers of the stand-in contentstore app."""
