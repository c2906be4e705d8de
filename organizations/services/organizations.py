"""Creating an organisation, staff approval, its details and its policy, renaming and deleting it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext, gettext_lazy, ngettext

from accounts import names
from accounts.events import record_event
from accounts.models import username_validator
from accounts.services import notify_on_commit, organization_history_rename

from ..errors import InvalidAction
from ..events import EventTag
from ..models import Organization, OrganizationRole
from ..notify import notify_organization
from ..signals import reading_changed
from ._common import locked, record, require_owner

Role = OrganizationRole.Role


def _check_name(name):
    _check_name_form(name)
    _check_free(name)


def _check_name_form(name):
    try:
        username_validator(name)
    except ValidationError as error:
        raise InvalidAction(error.messages[0].replace("A username", "An organisation name")) from None
    if len(name) > 50:
        raise InvalidAction(gettext("An organisation name may be at most 50 characters long."))


def _check_free(name):
    """One namespace with people: refuse a name an account or another organisation holds."""
    holder = names.name_holder(name)
    if holder is not None:
        raise InvalidAction(names.name_taken_message(name, holder))


def _taken_after_race(name):
    """The refusal for a name a parallel request claimed first (the unique claim failed our transaction)."""
    return InvalidAction(names.name_taken_message(name, names.name_holder(name) or names.Kind.ORGANIZATION))


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
            # The name's claim first, then the organisation's row, in the order a rename takes them:
            # a creation and a rename to the same name wait for each other instead of deadlocking.
            names.name_claim_organization(name=name)
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
        raise _taken_after_race(name) from None
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


# What each of an organisation's policies is called in its events, and what its members are told when an Owner
# turns it on or off: (subject, message) for on, then for off.
_POLICY_WORDS = {
    "require_security_key": (
        (
            gettext_lazy("%(organization)s: security keys now required"),
            gettext_lazy(
                "%(actor)s changed the policy of %(organization)s: members now need a security key (WebAuthn) "
                "to manage the organisation's projects."
            ),
        ),
        (
            gettext_lazy("%(organization)s: security keys no longer required"),
            gettext_lazy(
                "%(actor)s changed the policy of %(organization)s: members no longer need a security key (WebAuthn) "
                "to manage the organisation's projects."
            ),
        ),
    ),
    "provenance_required": (
        (
            gettext_lazy("%(organization)s: verified provenance now required"),
            gettext_lazy(
                "%(actor)s changed the policy of %(organization)s: every new file of its projects must now carry "
                "a verified attestation from one of that project's trusted publishers. Uploads with API tokens "
                "are refused; publish from a trusted publisher's workflow with attestations on."
            ),
        ),
        (
            gettext_lazy("%(organization)s: verified provenance no longer required"),
            gettext_lazy(
                "%(actor)s changed the policy of %(organization)s: new files of its projects no longer need "
                "a verified attestation (each project may still require it)."
            ),
        ),
    ),
}


def _policy_switch(*, request, actor, organization, policy, enabled):
    """An Owner turns one of the organisation's policies on or off: under the organisation's lock, recorded as
    organization:policy:change, told to every member. Nothing happens when it already is so."""
    with transaction.atomic():
        organization = locked(organization)
        require_owner(user=actor, organization=organization, what=gettext_lazy("change its policies"))
        if getattr(organization, policy) == enabled:
            return organization
        setattr(organization, policy, enabled)
        organization.save(update_fields=[policy])
        record(
            EventTag.ORGANIZATION_POLICY_CHANGE,
            request=request,
            actor=actor,
            organization=organization,
            policy=policy,
            enabled=enabled,
        )
        members = [r.user for r in organization.roles.select_related("user")]
        subject, message = _POLICY_WORDS[policy][0 if enabled else 1]
        names = {"organization": organization.name, "actor": actor.username}
        notify_organization(organization=organization, subject=subject % names, message=message % names, also=members)
    return organization


def organization_policy_set(*, request=None, actor, organization, require_security_key):
    """An Owner turns the policy "members must use a security key" on or off."""
    return _policy_switch(
        request=request, actor=actor, organization=organization, policy="require_security_key", enabled=require_security_key
    )


def organization_provenance_set(*, request=None, actor, organization, required):
    """An Owner turns "every new file of our projects must carry verified provenance" on or off.

    Uploads to the organisation's projects read the flag under each project's lock (packages/provenance).
    """
    return _policy_switch(
        request=request, actor=actor, organization=organization, policy="provenance_required", enabled=required
    )


def organization_reading_set(*, request=None, actor, organization, members_read_all, private_by_default):
    """An Owner sets who reads the organisation's projects: "Members may read all our projects" and
    "New projects are private".

    Records organization:reading:change with the old and new value of each
    setting that changed (nothing when neither did) and mails the Owners and
    Managers. A change of `members_read_all` changes who may read the private
    projects: signals.reading_changed is sent in the same transaction.
    """
    with transaction.atomic():
        organization = locked(organization)
        require_owner(user=actor, organization=organization, what=gettext_lazy("change who reads its projects"))
        wanted = {"members_read_all": members_read_all, "private_by_default": private_by_default}
        changes = {
            field: {"old": getattr(organization, field), "new": value}
            for field, value in wanted.items()
            if getattr(organization, field) != value
        }
        if not changes:
            return organization
        for field in changes:
            setattr(organization, field, wanted[field])
        organization.save(update_fields=list(changes))
        record(
            EventTag.ORGANIZATION_READING_CHANGE, request=request, actor=actor, organization=organization, **changes
        )
        if "members_read_all" in changes:
            reading_changed.send(sender=Organization, organization=organization, actor=actor, request=request)
        names = {"organization": organization.name, "actor": actor.username}
        sentences = []
        if "members_read_all" in changes:
            sentences.append(
                gettext("Every member of %(organization)s may now read all its projects, private ones included.")
                if members_read_all
                else gettext(
                    "Members of %(organization)s now read only the private projects they have a role on "
                    "(themselves or through a team)."
                )
            )
        if "private_by_default" in changes:
            sentences.append(
                gettext("New projects of %(organization)s now start private.")
                if private_by_default
                else gettext("New projects of %(organization)s now start public.")
            )
        notify_organization(
            organization=organization,
            subject=gettext("%(organization)s: who reads its projects changed") % names,
            message=" ".join([gettext("%(actor)s changed the reading settings of %(organization)s.")] + sentences)
            % names,
        )
    return organization


def organization_rename(*, request=None, actor, organization, name):
    """An Owner renames the organisation: its name claim moves at once, the old name is free for anyone.

    Its history follows it to the new name; its public page and management
    pages move to the new address.
    """
    name = (name or "").strip()
    _check_name_form(name)
    try:
        with transaction.atomic():
            organization = locked(organization)
            require_owner(user=actor, organization=organization, what=gettext_lazy("rename it"))
            old = organization.name
            if name == old:
                raise InvalidAction(gettext("The organisation is already called %(name)s.") % {"name": name})
            if name.lower() != old.lower():
                _check_free(name)
            names.name_claim_organization_move(old=old, new=name)
            organization.name = name
            organization.save(update_fields=["name"])
            organization_history_rename(old_name=old, new_name=name, since=organization.created)
            record(
                EventTag.ORGANIZATION_RENAME, request=request, actor=actor, organization=organization, old_name=old, new_name=name
            )
            notify_organization(
                organization=organization,
                subject=gettext("Organisation %(old)s renamed to %(new)s") % {"old": old, "new": name},
                message=gettext(
                    "%(user)s renamed the organisation %(old)s to %(new)s. Its pages have moved to the new name, "
                    "and the old name is free for anyone to take."
                )
                % {"user": actor.username, "old": old, "new": name},
                also=[r.user for r in organization.roles.select_related("user")],
            )
    except IntegrityError:
        raise _taken_after_race(name) from None
    return organization


def organization_delete(*, request=None, actor, organization, confirm):
    """An Owner deletes an organisation that owns no projects; `confirm` must be its name.

    Its teams, memberships, invitations and organisation tokens go with it, and
    its name is free again. Its history goes too, so each former Owner finds
    the deletion in their own history.
    """
    with transaction.atomic():
        organization = locked(organization)
        require_owner(user=actor, organization=organization, what=gettext_lazy("delete it"))
        name = organization.name
        if (confirm or "").strip() != name:
            raise InvalidAction(
                gettext("Type the organisation's name %(name)s exactly to confirm; nothing was deleted.") % {"name": name}
            )
        roles = list(organization.roles.select_related("user"))
        teams = organization.teams.count()
        try:
            # Projects hold on to their organisation (on_delete=PROTECT): one that still owns any is refused here,
            # and a project added by a request at the same time waits for this lock or fails its own commit.
            with transaction.atomic():
                organization.delete()
        except ProtectedError as error:
            projects = sorted(str(project) for project in error.protected_objects)
            raise InvalidAction(
                ngettext(
                    "%(name)s still owns the project %(projects)s. Move it out of the organisation or delete it "
                    "first; nothing was deleted.",
                    "%(name)s still owns %(count)d projects: %(projects)s. Move them out of the organisation or "
                    "delete them first; nothing was deleted.",
                    len(projects),
                )
                % {"name": name, "count": len(projects), "projects": ", ".join(projects)}
            ) from None
        names.name_release_organization(name=name)
        details = {"organization": name, "members": len(roles), "teams": teams}
        for role in roles:
            if role.role == Role.OWNER:
                record_event(
                    tag=EventTag.ORGANIZATION_DELETE,
                    request=request,
                    user=actor,
                    target_user=role.user,
                    organization_name=name,
                    details={**details, "target_user": role.user.username},
                )
        subject = gettext("Organisation %(name)s deleted") % {"name": name}
        what = gettext(
            "%(user)s deleted the organisation %(name)s. Its teams, memberships, invitations and organisation "
            "tokens are gone, and its name is free for anyone to take."
        ) % {"user": actor.username, "name": name}
        for role in roles:
            if role.user.is_active:
                notify_on_commit(user=role.user, subject=subject, what=what)
