"""The receiver functions named in :data:`oars_platform.signals.RECEIVERS`.

The platform imports one signals module per service; this one gathers the per-domain receivers.
"""
