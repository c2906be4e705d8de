"""Trusted publishing's exchange (REFERENCE §5): a CI's OIDC token for a short-lived upload token.

The verified token's claims are matched against the publishers registered for
its repository (the most specific win; a pending publisher only for a name
nobody has); its JWT id is spent once; a GitHub owner's numeric id is pinned
from the first exchange. A refusal is recorded, on the projects it concerns.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.events import record_event

from .. import scopes
from .. import services as token_services
from ..events import EventTag
from ..models import APIToken
from . import verification
from .errors import INVALID_PENDING_PUBLISHER, INVALID_PUBLISHER, INVALID_REUSE_TOKEN, MintRefused
from .kinds import kind_of
from .models import TrustedPublisher, UsedJWTIdentifier

TOKEN_LIFETIME = timedelta(minutes=15)
# Claims worth keeping with a refusal, to tell what tried to publish (never the JWT itself).
_REFUSAL_CLAIMS = (
    "sub", "repository", "repository_owner_id", "job_workflow_ref", "environment", "event_name",
    "project_path", "ci_config_ref_uri", "ref", "sha", "jti",
)


@dataclass(frozen=True)
class MintedToken:
    token: APIToken
    raw: str  # shown once, in the response
    expires: int  # unix time


def _refusal_summary(claims):
    return {name: str(claims[name])[:200] for name in _REFUSAL_CLAIMS if name in claims}


def _most_specific(publishers):
    """Of the publishers a token matches, those that pin the most (an environment, claims): as PyPI looks
    up a publisher with the token's environment before one without, a publisher without one never
    outranks one with it."""
    if not publishers:
        return publishers
    best = max(kind_of(p).specificity(p) for p in publishers)
    return [p for p in publishers if kind_of(p).specificity(p) == best]


def _matching_publishers(issuer, claims, now):
    spec = kind_of(issuer.kind)
    candidates = list(spec.candidates(issuer, claims).select_for_update(of=("self",)).select_related("issuer"))
    candidates = [p for p in candidates if not p.is_expired(now)]
    reasons = {p.pk: spec.mismatch(p, claims) for p in candidates}
    matching = _most_specific([p for p in candidates if not p.pending and reasons[p.pk] is None])
    if matching:
        return matching
    pending = _most_specific([p for p in candidates if p.pending and reasons[p.pk] is None])
    if pending:
        taken = scopes.existing_project_names([p.project_name for p in pending])
        free = [p for p in pending if p.project_name not in taken]
        if not free:
            raise MintRefused(
                INVALID_PENDING_PUBLISHER,
                f"Valid token, but the project {sorted(taken)[0]!r} already exists: its Owners must add this "
                "publisher on the project's publishing page.",
                project_names=taken,
            )
        return free
    named = sorted({p.project_name for p in candidates if not p.pending})
    why = sorted({reason for reason in reasons.values() if reason})
    description = "Valid token, but no trusted publisher matches it"
    description += (": " + "; ".join(why)) if why else " (none is registered for this repository)."
    raise MintRefused(INVALID_PUBLISHER, description[:1000], project_names=named)


def _mint(request, raw_jwt):
    issuer, claims = verification.verified_claims(raw_jwt)
    now = timezone.now()
    try:
        with transaction.atomic():
            publishers = _matching_publishers(issuer, claims, now)
            names = sorted({p.project_name for p in publishers})
            try:
                with transaction.atomic():
                    UsedJWTIdentifier.objects.create(
                        issuer=issuer.url,
                        jti=claims["jti"][:255],
                        expires=datetime.fromtimestamp(int(claims["exp"]), tz=dt_timezone.utc),
                    )
            except IntegrityError:
                raise MintRefused(
                    INVALID_REUSE_TOKEN, "This token was already exchanged; request a new one.", project_names=names
                ) from None
            UsedJWTIdentifier.objects.filter(expires__lt=now - timedelta(seconds=verification.LEEWAY + 60)).delete()
            for publisher in publishers:
                # GitHub: publishers are registered without a token, so the owner's numeric id is pinned from
                # the first exchange; from then on a renamed-then-reclaimed owner's tokens do not match.
                if publisher.kind == TrustedPublisher.Kind.GITHUB and not publisher.repository_owner_id:
                    publisher.repository_owner_id = claims["repository_owner_id"]
                    publisher.save(update_fields=["repository_owner_id"])
                    record_event(
                        tag=EventTag.PROJECT_OIDC_PUBLISHER_OWNER_PINNED,
                        request=request,
                        user=publisher.registrant,
                        project_name="" if publisher.pending else publisher.project_name,
                        details=publisher.event_details(
                            project=publisher.project_name,
                            repository_owner=publisher.repository_owner,
                            repository_owner_id=publisher.repository_owner_id,
                        ),
                    )
            first = publishers[0]
            token, raw = token_services.token_create_for_publisher(
                name=f"Trusted publisher: {first.description}", projects=names, expires=now + TOKEN_LIFETIME
            )
            for publisher in publishers:
                publisher.minted_tokens.add(token)
                record_event(
                    tag=EventTag.PROJECT_OIDC_TOKEN_MINTED,
                    request=request,
                    project_name=publisher.project_name,
                    details=publisher.event_details(
                        token_id=token.identifier,
                        pending=publisher.pending,
                        expires=token.expires.isoformat(),
                        **kind_of(publisher).provenance(publisher, claims),
                    ),
                )
    except MintRefused as refusal:
        refusal.issuer = issuer.url
        refusal.claims = _refusal_summary(claims)
        raise
    return MintedToken(token=token, raw=raw, expires=int(token.expires.timestamp()))


def mint_refusal_record(*, request=None, refusal):
    """Record a refused exchange in the history of the projects it names (or of no project)."""
    details = {"error": refusal.code, "description": refusal.description}
    if refusal.issuer:
        details["issuer"] = refusal.issuer[:200]
    if refusal.claims:
        details["claims"] = refusal.claims
    with transaction.atomic():
        for name in refusal.project_names or [""]:
            record_event(tag=EventTag.PROJECT_OIDC_TOKEN_REFUSED, request=request, project_name=name, details=details)


def oidc_token_mint(*, request=None, raw_jwt):
    """Exchange a CI's OIDC token for an API token limited to its publishers' projects (REFERENCE §5).

    Returns MintedToken. Raises MintRefused with the code and description the
    client is shown; the refusal is recorded first, on the projects concerned
    when the token identifies them.
    """
    try:
        return _mint(request, raw_jwt)
    except MintRefused as refusal:
        mint_refusal_record(request=request, refusal=refusal)
        raise
