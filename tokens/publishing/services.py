"""Writes of trusted publishing: publishers added and removed, pending publishers promoted (the exchange: `minting`).

Each service is transactional and records its security event in the same transaction.
"""

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from packaging.utils import InvalidName, canonicalize_name

from accounts.events import record_event

from .. import scopes
from .. import services as token_services
from ..events import EventTag
from ..models import APIToken
from .errors import PublisherError
from .kinds import kind_of
from .minting import MintedToken, mint_refusal_record, oidc_token_mint  # noqa: F401 (the exchange, named here too)
from .models import PENDING_LIFETIME, TrustedPublisher

MAX_PENDING_PER_USER = 3


def _project_name(name):
    try:
        return canonicalize_name((name or "").strip(), validate=True)
    except InvalidName:
        raise PublisherError(gettext("'%(name)s' is not a valid project name.") % {"name": name}) from None


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
        details=publisher.event_details(),
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
        details=publisher.event_details(),
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
            details=publisher.event_details(reason="project removed"),
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
        details=publisher.event_details(project=normalized, expires=publisher.expires.isoformat()),
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
        details=publisher.event_details(project=publisher.project_name),
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
            details=publisher.event_details(from_pending=True),
        )
    return publisher
