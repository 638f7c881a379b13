"""``xmodule.modulestore``: the enums callers use to choose branches (§3.1); values are the platform's."""


class ModuleStoreEnum:
    """Constants of the platform's ``ModuleStoreEnum``."""

    class Type:
        """Store types; the stand-in is one in-memory store that behaves like split."""

        split = "split"
        mongo = "mongo"

    class RevisionOption:
        """Revision selectors accepted by some read and delete calls."""

        published_only = "rev-opt-published-only"
        draft_only = "rev-opt-draft-only"
        draft_preferred = "rev-opt-draft-preferred"
        all = "rev-opt-all"

    class Branch:
        """Branch settings for ``branch_setting``."""

        draft_preferred = "draft-preferred"
        published_only = "published-only"

    class BranchName:
        """Names of the split branches."""

        draft = "draft-branch"
        published = "published-branch"
        library = "library"

    class UserID:
        """Reserved user ids for writes not made by a person."""

        mgmt_command = -1
        primitive_command = -2
        test = -3
        system = -4
