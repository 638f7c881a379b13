"""Version of the Tutor plugin (it follows oars-platform's own version line)."""

__version__ = "0.1.0"
