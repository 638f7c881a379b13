"""Open edX tracking events → xAPI 1.0.3 statements, with ERB-compatible ids (see shared/spec/xapi.md).

Pure code: no Django, no database. Configuration comes in as a `TransformConfig`, users and courses through a
`Lookups` object (usually `CachedLookups` over two bulk fetchers), and `transform_batch` returns statements and
rejections.
"""

from oars_platform.xapi.config import ActorMode, TransformConfig
from oars_platform.xapi.inputs import from_tracking_signal, normalize
from oars_platform.xapi.lookups import CachedLookups, Lookups
from oars_platform.xapi.pipeline import supported_events, takes_event, transform_batch
from oars_platform.xapi.results import BatchResult, Reason, Rejection, TransformedStatement

__all__ = [
    "ActorMode",
    "BatchResult",
    "CachedLookups",
    "Lookups",
    "Reason",
    "Rejection",
    "TransformConfig",
    "TransformedStatement",
    "from_tracking_signal",
    "normalize",
    "supported_events",
    "takes_event",
    "transform_batch",
]
