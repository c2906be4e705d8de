"""Writes of trusted publishing: publishers added and removed, tokens minted, pending publishers promoted.

Each service is transactional and records its security event in the same transaction.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from packaging.utils import InvalidName, canonicalize_name

from accounts.events import record_event

from ..events import EventTag
from .. import scopes
from .. import services as token_services
from ..models import APIToken
from . import verification
from .errors import (
    INVALID_PENDING_PUBLISHER,
    INVALID_PUBLISHER,
    INVALID_REUSE_TOKEN,
    MintRefused,
    PublisherError,
)
from .kinds import kind_of
from .models import PENDING_LIFETIME, TrustedPublisher, UsedJWTIdentifier

MAX_PENDING_PER_USER = 3
TOKEN_LIFETIME = timedelta(minutes=15)
# Claims worth keeping with a refusal, to tell what tried to publish (never the JWT itself).
_REFUSAL_CLAIMS = (
    "sub", "repository", "repository_owner_id", "job_workflow_ref", "environment", "event_name",
    "project_path", "ci_config_ref_uri", "ref", "sha", "jti",
)


def _project_name(name):
    try:
        return canonicalize_name((name or "").strip(), validate=True)
    except InvalidName:
        raise PublisherError(gettext("'%(name)s' is not a valid project name.") % {"name": name}) from None


def _details(publisher, **extra):
    return {"publisher": publisher.description, "publisher_id": publisher.pk, "kind": publisher.kind, **extra}


def _build(*, kind, project_name, pending, user, fields):
    spec = kind_of(kind)
    publisher = TrustedPublisher(kind=kind, project_name=project_name, pending=pending, registrant=user)
    for field, value in spec.clean(fields).items():
        setattr(publisher, field, value)
    publisher.identity = spec.identity(publisher)
    publisher.workflow_key = spec.workflow_key(publisher)
    return publisher


def _save(publisher, *, refusal=None):
    """Insert `publisher`; a unique constraint's refusal becomes PublisherError (`refusal()` may name a better one)."""
    try:
        with transaction.atomic():
            publisher.save()
    except IntegrityError:
        if refusal is not None:
            refusal()
        raise PublisherError(
            gettext("This publisher is already registered for '%(project_name)s'.")
            % {"project_name": publisher.project_name}
        ) from None
    return publisher


def _create(*, kind, project_name, pending, user, fields):
    return _save(_build(kind=kind, project_name=project_name, pending=pending, user=user, fields=fields))


@transaction.atomic
def publisher_add(*, request=None, user, project_name, kind, fields):
    """Add a publisher to the existing project `project_name`; the caller has checked that `user` is its Owner.

    `kind` is a TrustedPublisher.Kind, `fields` the form's values (see kinds).
    Raises PublisherError with a message for the user.
    """
    publisher = _create(kind=kind, project_name=_project_name(project_name), pending=False, user=user, fields=fields)
    record_event(
        tag=EventTag.PROJECT_OIDC_PUBLISHER_ADDED,
        request=request,
        user=user,
        project_name=publisher.project_name,
        details=_details(publisher),
    )
    return publisher


def _revoke_minted(request, publisher):
    for token in publisher.minted_tokens.filter(revoked__isnull=True, expires__gt=timezone.now()):
        token_services.token_revoke(request=request, token=token, reason=APIToken.RevokeReason.OWNER)


@transaction.atomic
def publisher_remove(*, request=None, user, publisher):
    """Remove a project's publisher; tokens it minted stop working now."""
    publisher = TrustedPublisher.objects.select_for_update().filter(pk=publisher.pk, pending=False).first()
    if publisher is None:
        raise PublisherError(gettext("That publisher does not exist (any more)."))
    _revoke_minted(request, publisher)
    record_event(
        tag=EventTag.PROJECT_OIDC_PUBLISHER_REMOVED,
        request=request,
        user=user,
        project_name=publisher.project_name,
        details=_details(publisher),
    )
    publisher.delete()


@transaction.atomic
def project_publishers_remove(*, request=None, user=None, project_name):
    """Remove every publisher of a project that is being removed (call inside the removal's transaction)."""
    for publisher in TrustedPublisher.objects.select_for_update().filter(project_name=project_name, pending=False):
        _revoke_minted(request, publisher)
        record_event(
            tag=EventTag.PROJECT_OIDC_PUBLISHER_REMOVED,
            request=request,
            user=user,
            project_name=project_name,
            details=_details(publisher, reason="project removed"),
        )
        publisher.delete()


@transaction.atomic
def pending_publisher_add(*, request=None, user, project_name, kind, fields):
    """Register a publisher for a project name nobody has yet; its first publish creates the project.

    At most MAX_PENDING_PER_USER unexpired pending publishers per user, counted
    under a lock on the user's row so parallel requests cannot exceed it.
    Raises PublisherError with a message for the user.
    """
    normalized = _project_name(project_name)
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    now = timezone.now()
    # Expired pending publishers hold nothing: neither a place in the allowance, nor a name, nor a workflow.
    TrustedPublisher.objects.filter(pending=True, created__lte=now - PENDING_LIFETIME).delete()
    mine = TrustedPublisher.objects.filter(registrant=user, pending=True)
    if mine.count() >= MAX_PENDING_PER_USER:
        raise PublisherError(
            gettext(
                "You already have %(max)d pending publishers, the most allowed. Remove one, or publish with one first."
            )
            % {"max": MAX_PENDING_PER_USER}
        )
    if scopes.existing_project_names([normalized]):
        raise PublisherError(
            gettext(
                "A project named '%(normalized)s' already exists. Its Owners add publishers on the project's publishing page."
            )
            % {"normalized": normalized}
        )
    publisher = _build(kind=kind, project_name=normalized, pending=True, user=user, fields=fields)

    def check_unclaimed():
        _check_pending_unclaimed(publisher, user=user)

    # Checked for the message, and decided by the two unique constraints when requests race.
    check_unclaimed()
    _save(publisher, refusal=check_unclaimed)
    record_event(
        tag=EventTag.ACCOUNT_OIDC_PENDING_PUBLISHER_ADDED,
        request=request,
        user=user,
        details=_details(publisher, project=normalized, expires=publisher.expires.isoformat()),
    )
    return publisher


def _check_pending_unclaimed(publisher, *, user):
    """Refuse a pending publisher whose project name or workflow another pending publisher already holds.

    Otherwise a second registrant could create a name someone else set up first, or
    a token from one workflow would match two pending publishers (two projects).
    """
    holders = TrustedPublisher.objects.filter(pending=True).exclude(pk=publisher.pk)
    same_name = holders.filter(project_name=publisher.project_name).first()
    if same_name is not None:
        if same_name.registrant_id == user.pk:
            raise PublisherError(
                gettext(
                    "You already have a pending publisher for '%(project_name)s'. Remove it first to register another."
                )
                % {"project_name": publisher.project_name}
            )
        raise PublisherError(
            gettext(
                "Another account has already registered a pending publisher for '%(project_name)s'; "
                "its first publish will create that project. Choose another name."
            )
            % {"project_name": publisher.project_name}
        )
    same_workflow = holders.filter(workflow_key=publisher.workflow_key).first()
    if same_workflow is not None:
        if same_workflow.registrant_id == user.pk:
            raise PublisherError(
                gettext(
                    "This workflow is already your pending publisher for '%(project_name)s'. "
                    "Publish with it first (or remove it): one workflow creates one project at a time."
                )
                % {"project_name": same_workflow.project_name}
            )
        raise PublisherError(
            gettext(
                "This workflow is already registered as a pending publisher by another account. "
                "If the repository is yours, contact this index's administrators."
            )
        )


@transaction.atomic
def pending_publisher_remove(*, request=None, user, publisher):
    """Remove one of `user`'s pending publishers."""
    publisher = (
        TrustedPublisher.objects.select_for_update().filter(pk=publisher.pk, pending=True, registrant=user).first()
    )
    if publisher is None:
        raise PublisherError(gettext("That pending publisher does not exist (any more)."))
    _revoke_minted(request, publisher)
    record_event(
        tag=EventTag.ACCOUNT_OIDC_PENDING_PUBLISHER_REMOVED,
        request=request,
        user=user,
        details=_details(publisher, project=publisher.project_name),
    )
    publisher.delete()


def pending_publisher_promote(*, request=None, publisher):
    """Make a pending publisher an ordinary one of the project its first publish just created.

    Call inside the transaction that created the project (packages' upload);
    other users' pending publishers for the same name are dropped. Returns the publisher.
    """
    with transaction.atomic():
        publisher = TrustedPublisher.objects.select_for_update().get(pk=publisher.pk)
        if not publisher.pending:
            return publisher
        TrustedPublisher.objects.filter(project_name=publisher.project_name, pending=True).exclude(
            pk=publisher.pk
        ).delete()
        publisher.pending = False
        publisher.save(update_fields=["pending"])
        record_event(
            tag=EventTag.PROJECT_OIDC_PUBLISHER_ADDED,
            request=request,
            user=publisher.registrant,
            project_name=publisher.project_name,
            details=_details(publisher, from_pending=True),
        )
    return publisher


# --- minting -----------------------------------------------------------------


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
                        details=_details(
                            publisher,
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
                    details=_details(
                        publisher,
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
