"""``DIRECT_ONLY_CATEGORIES``, where the platform keeps it: block types Studio publishes as soon as they change."""

from xmodule.block_types import DIRECT_ONLY_CATEGORIES

__all__ = ["DIRECT_ONLY_CATEGORIES"]
