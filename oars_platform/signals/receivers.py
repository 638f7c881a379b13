"""The receiver functions named in :data:`oars_platform.signals.RECEIVERS`.

The platform imports one signals module per service; this one gathers the per-domain receivers.
"""

from oars_platform.signals.learners import on_learner_event
from oars_platform.signals.tracking import on_tracking_event_emitted

__all__ = ["on_learner_event", "on_tracking_event_emitted"]
