"""``DETACHED_XBLOCK_TYPES``, where the platform keeps it.

The platform computes it from the installed XBlock classes tagged ``detached``
(``{name for name, __ in XBlock.load_tagged_classes("detached")}``): about, course_info and static_tab on a stock
install. The stand-in has no XBlock runtime, so it states that set.
"""

from xmodule.block_types import DETACHED_XBLOCK_TYPES

__all__ = ["DETACHED_XBLOCK_TYPES"]
