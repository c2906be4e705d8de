"""Creating an organisation, staff approval, its details and its policy."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy

from accounts.events import EventTag
from accounts.models import username_validator

from ..errors import InvalidAction
from ..models import Organization, OrganizationRole
from ..notify import notify_organization
from ._common import locked, record, require_owner

Role = OrganizationRole.Role


def _check_name(name):
    try:
        username_validator(name)
    except ValidationError as error:
        raise InvalidAction(error.messages[0].replace("A username", "An organisation name")) from None
    if len(name) > 50:
        raise InvalidAction(gettext("An organisation name may be at most 50 characters long."))
    # One namespace with people: an organisation may not pass for an existing account.
    if get_user_model().objects.filter(username__iexact=name).exists():
        raise InvalidAction(gettext("The name '%(name)s' is already taken. Choose another name.") % {"name": name})


def organization_create(*, request=None, user, name, display_name, url="", description=""):
    """Create an organisation with `user` as its first Owner.

    With ORGANIZATIONS_REQUIRE_APPROVAL it waits for staff approval (in the
    admin) before it can invite people, own projects or hold tokens.
    """
    name = (name or "").strip()
    display_name = (display_name or "").strip() or name
    _check_name(name)
    status = Organization.Status.PENDING if settings.ORGANIZATIONS_REQUIRE_APPROVAL else Organization.Status.ACTIVE
    try:
        with transaction.atomic():
            organization = Organization.objects.create(
                name=name,
                display_name=display_name,
                url=url or "",
                description=description or "",
                status=status,
                created_by=user,
            )
            OrganizationRole.objects.create(organization=organization, user=user, role=Role.OWNER)
            record(EventTag.ORGANIZATION_CREATE, request=request, actor=user, organization=organization, status=status)
            record(
                EventTag.ORGANIZATION_ROLE_ADD,
                request=request,
                actor=user,
                organization=organization,
                target=user,
                role_name=Role.OWNER,
            )
            notify_organization(
                organization=organization,
                subject=gettext("Organisation %(name)s created") % {"name": name},
                message=(
                    gettext(
                        "You created the organisation %(name)s and are its Owner. It is waiting for approval by the site's staff."
                    )
                    if status == Organization.Status.PENDING
                    else gettext("You created the organisation %(name)s and are its Owner.")
                )
                % {"name": name},
            )
    except IntegrityError:
        raise InvalidAction(
            gettext("The name '%(name)s' is already taken. Choose another name.") % {"name": name}
        ) from None
    return organization


def organization_review(*, request=None, staff_user, organization, approve):
    """Staff approve or decline an organisation waiting in the queue; its Owners are told."""
    with transaction.atomic():
        organization = locked(organization)
        if organization.status != Organization.Status.PENDING:
            raise InvalidAction(
                gettext("%(organization)s is not waiting for approval.") % {"organization": organization.name}
            )
        organization.status = Organization.Status.ACTIVE if approve else Organization.Status.DECLINED
        organization.save(update_fields=["status"])
        tag = EventTag.ORGANIZATION_APPROVE if approve else EventTag.ORGANIZATION_DECLINE
        record(tag, request=request, actor=staff_user, organization=organization, staff=staff_user.username)
        if approve:
            subject = gettext("Organisation %(organization)s approved")
            message = gettext(
                "The site's staff approved %(organization)s: you can now invite people, add projects and create tokens."
            )
        else:
            subject = gettext("Organisation %(organization)s declined")
            message = gettext("The site's staff declined %(organization)s.")
        names = {"organization": organization.name}
        notify_organization(organization=organization, subject=subject % names, message=message % names)
    return organization


_DETAIL_NAMES = {
    "display_name": gettext_lazy("display name"),
    "url": gettext_lazy("URL"),
    "description": gettext_lazy("description"),
}


def organization_update(*, request=None, actor, organization, display_name, url, description):
    """An Owner changes the organisation's display name, URL and description."""
    with transaction.atomic():
        organization = locked(organization)
        require_owner(user=actor, organization=organization, what=gettext_lazy("change its details"))
        changed = {}
        for field, value in (("display_name", display_name), ("url", url), ("description", description)):
            value = (value or "").strip()
            if field == "display_name" and not value:
                raise InvalidAction(gettext("Give the organisation a display name."))
            if getattr(organization, field) != value:
                setattr(organization, field, value)
                changed[field] = value if field != "description" else "changed"
        if not changed:
            return organization
        organization.save(update_fields=list(changed))
        record(
            EventTag.ORGANIZATION_SETTINGS_CHANGE, request=request, actor=actor, organization=organization, **changed
        )
        notify_organization(
            organization=organization,
            subject=gettext("Details of %(organization)s changed") % {"organization": organization.name},
            message=gettext("%(actor)s changed the organisation's %(fields)s.")
            % {"actor": actor.username, "fields": ", ".join(str(_DETAIL_NAMES[field]) for field in changed)},
        )
    return organization


def organization_policy_set(*, request=None, actor, organization, require_security_key):
    """An Owner turns the policy "members must use a security key" on or off."""
    with transaction.atomic():
        organization = locked(organization)
        require_owner(user=actor, organization=organization, what=gettext_lazy("change its policies"))
        if organization.require_security_key == require_security_key:
            return organization
        organization.require_security_key = require_security_key
        organization.save(update_fields=["require_security_key"])
        record(
            EventTag.ORGANIZATION_POLICY_CHANGE,
            request=request,
            actor=actor,
            organization=organization,
            policy="require_security_key",
            enabled=require_security_key,
        )
        members = [r.user for r in organization.roles.select_related("user")]
        if require_security_key:
            subject = gettext("%(organization)s: security keys now required")
            message = gettext(
                "%(actor)s changed the policy of %(organization)s: members now need a security key (WebAuthn) "
                "to manage the organisation's projects."
            )
        else:
            subject = gettext("%(organization)s: security keys no longer required")
            message = gettext(
                "%(actor)s changed the policy of %(organization)s: members no longer need a security key (WebAuthn) "
                "to manage the organisation's projects."
            )
        names = {"organization": organization.name, "actor": actor.username}
        notify_organization(
            organization=organization,
            subject=subject % names,
            message=message % names,
            also=members,
        )
    return organization
