"""Errors of the packages app. Each carries the exact message a client shows."""


class PackagesError(Exception):
    status = 400

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class InvalidUpload(PackagesError):
    """A refused upload: 400, the message in the reason phrase and the body."""

    status = 400


class UploadForbidden(PackagesError):
    """Authentication or permission refused an upload: 403."""

    status = 403


class UploadRateLimited(PackagesError):
    """Too many uploads or new projects: 429 with Retry-After."""

    status = 429

    def __init__(self, message, *, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


class UploadFailed(PackagesError):
    """The server could not store the file (storage or database failure): 503, nothing kept, safe to retry."""

    status = 503


class NotAllowed(PackagesError):
    """A management action the user may not take."""

    status = 403


class InvalidAction(PackagesError):
    """A management action that cannot be done in the current state."""

    status = 400
