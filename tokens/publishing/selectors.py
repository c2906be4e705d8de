"""Reads of trusted publishing that views and other apps (the upload path in packages) may call."""

from django.utils import timezone
from django.utils.translation import gettext

from ..events import EventTag
from accounts.models import SecurityEvent

from .models import PENDING_LIFETIME, OIDCIssuer, TrustedPublisher


def project_publishers(project_name):
    """The publishers of the project with this normalized name, oldest first."""
    return TrustedPublisher.objects.filter(project_name=project_name, pending=False).select_related(
        "issuer", "registrant"
    )


def project_publisher(project_name, publisher_id):
    """One publisher of the project, or None (also for an id that is not a number)."""
    try:
        publisher_id = int(publisher_id)
    except (TypeError, ValueError):
        return None
    return project_publishers(project_name).filter(pk=publisher_id).first()


def user_pending_publishers(user):
    """The user's pending publishers that have not expired, oldest first."""
    return TrustedPublisher.objects.filter(
        registrant=user, pending=True, created__gt=timezone.now() - PENDING_LIFETIME
    ).select_related("issuer")


def user_pending_publisher(user, publisher_id):
    """One of the user's pending publishers, or None."""
    return user_pending_publishers(user).filter(pk=publisher_id).first()


def registered_issuers():
    """The staff-registered issuers a user may pick for a publisher."""
    return OIDCIssuer.objects.filter(enabled=True)


def workflow_snippet(publisher):
    """The CI configuration to copy for `publisher`, as text (see snippets)."""
    from .snippets import workflow_snippet as render

    return render(publisher)


def token_publisher(*, token, project_name):
    """The publisher that minted `token` for the project `project_name` (normalized), or None.

    None as well for a token a person created (``token.is_from_publisher`` is
    False): only a publisher's token is answered, in one query.
    """
    if token is None or not token.is_from_publisher:
        return None
    return token.publishers.filter(project_name=project_name).select_related("registrant").first()


def owner_id_warning(publisher):
    """What to tell whoever just added a GitHub publisher without the owner's numeric id, or None."""
    if publisher.kind != TrustedPublisher.Kind.GITHUB or publisher.repository_owner_id:
        return None
    return gettext(
        "GitHub's numeric ID of '%(owner)s' was not given, so the first token this publisher accepts will pin it. "
        "Until then, if '%(owner)s' were renamed and the name taken by someone else, their workflow could publish. "
        "To close that gap now, enter the ID (https://api.github.com/users/%(owner)s shows it as \"id\")."
    ) % {"owner": publisher.repository_owner}


def token_mint_provenance(token):
    """What the CI run that obtained `token` said about itself when it was minted (workflow_ref, sha, run_url), or {}.

    Read from the token's project:oidc:token-minted event, written in the same transaction as the token.
    """
    if token is None or not token.is_from_publisher:
        return {}
    details = (
        SecurityEvent.objects.filter(tag=EventTag.PROJECT_OIDC_TOKEN_MINTED, details__token_id=token.identifier)
        .values_list("details", flat=True)
        .first()
    )
    return {key: details[key] for key in ("workflow_ref", "sha", "run_url") if details and details.get(key)}
