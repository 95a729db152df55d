"""Errors the services raise; every entry point turns them into its own answer."""


class ServiceError(Exception):
    """A request the service refuses, with a message fit to show the person."""

    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field


class ValidationFailed(ServiceError):
    code = "validation_error"


class NotAllowed(ServiceError):
    code = "forbidden"


class VersionConflict(ServiceError):
    """Someone saved the ticket since this version; `changes` says what they changed."""

    code = "version_conflict"

    def __init__(self, message: str, *, current_version: int, changes: list[dict]):
        super().__init__(message)
        self.current_version = current_version
        self.changes = changes
