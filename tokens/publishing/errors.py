"""Errors of trusted publishing. Messages are shown to users and CI logs as they are."""


class PublisherError(Exception):
    """Adding or removing a publisher was refused; `str(error)` is the message to show."""


class MintRefused(Exception):
    """``POST /_/oidc/mint-token`` refused: one of REFERENCE §5's codes and a human description.

    `project_names` are the projects the token was meant for, when the refusal
    identifies them (the refusal is then recorded in their history).
    """

    def __init__(self, code, description, *, project_names=(), issuer="", claims=None):
        super().__init__(description)
        self.claims = claims or {}
        self.code = code
        self.description = description
        self.project_names = sorted(set(project_names))
        self.issuer = issuer


INVALID_PAYLOAD = "invalid-payload"
NOT_ENABLED = "not-enabled"
INVALID_TOKEN = "invalid-token"
INVALID_PUBLISHER = "invalid-publisher"
INVALID_PENDING_PUBLISHER = "invalid-pending-publisher"
INVALID_REUSE_TOKEN = "invalid-reuse-token"
