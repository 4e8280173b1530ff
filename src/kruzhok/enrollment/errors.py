class EnrollmentError(Exception):
    """A refused enrolment action; `str(error)` says in Russian what happened and what to do."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
