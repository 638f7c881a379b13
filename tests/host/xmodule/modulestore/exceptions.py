"""The modulestore exceptions callers catch."""


class ItemNotFoundError(Exception):
    """No block (or course) at that location in the current branch."""


class ItemWriteConflictError(Exception):
    """Kept for API shape; the in-memory store never raises it."""


class DuplicateItemError(Exception):
    """A block with this usage key already exists."""

    def __init__(self, element_id: object, store: object = None, collection: object = None) -> None:
        super().__init__(element_id)
        self.element_id = element_id
        self.store = store
        self.collection = collection


class DuplicateCourseError(Exception):
    """A course with this key already exists."""

    def __init__(self, course_id: object, existing_entry: object = None) -> None:
        super().__init__(f"Cannot create course {course_id}, which duplicates {existing_entry}")
        self.course_id = course_id
        self.existing_entry = existing_entry
