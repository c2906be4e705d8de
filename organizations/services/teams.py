"""Teams: named groups of an organisation's members, managed by its Owners and Managers.

What a team may do on the organisation's projects is written by packages
(packages.organization_projects), which knows projects.
"""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy

from ..errors import InvalidAction
from ..events import EventTag
from ..models import OrganizationRole, Team, TeamMember
from ..notify import notify_organization
from ._common import locked, record, require_active, require_manager

TEAM_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9 ._-]*[A-Za-z0-9])?\Z")


def _clean_name(name):
    name = " ".join((name or "").split())
    if not name:
        raise InvalidAction(gettext("Give the team a name."))
    if len(name) > 50 or not TEAM_NAME.match(name):
        raise InvalidAction(
            gettext("A team name has at most 50 letters, numbers, spaces, '.', '_' or '-', "
            "and starts and ends with a letter or number.")
        )
    return name


def _taken(organization, name, exclude=None):
    teams = Team.objects.filter(organization=organization, name__iexact=name)
    if exclude is not None:
        teams = teams.exclude(pk=exclude.pk)
    return teams.exists()


def team_create(*, request=None, actor, organization, name):
    name = _clean_name(name)
    with transaction.atomic():
        organization = locked(organization)
        require_manager(user=actor, organization=organization, what=gettext_lazy("create teams"))
        require_active(organization)
        if _taken(organization, name):
            raise InvalidAction(
                gettext("%(organization)s already has a team called '%(name)s'.")
                % {"organization": organization.name, "name": name}
            )
        try:
            with transaction.atomic():
                team = Team.objects.create(organization=organization, name=name)
        except IntegrityError:
            raise InvalidAction(
                gettext("%(organization)s already has a team called '%(name)s'.")
                % {"organization": organization.name, "name": name}
            ) from None
        record(EventTag.ORGANIZATION_TEAM_CREATE, request=request, actor=actor, organization=organization, team=name)
        notify_organization(
            organization=organization,
            subject=gettext("Team %(name)s created in %(organization)s")
            % {"name": name, "organization": organization.name},
            message=gettext("%(actor)s created the team %(name)s.") % {"actor": actor.username, "name": name},
        )
    return team


def _locked_team(organization, team):
    team = Team.objects.select_for_update().filter(pk=team.pk, organization=organization).first()
    if team is None:
        raise InvalidAction(gettext("That team does not exist (any more)."))
    return team


def team_rename(*, request=None, actor, team, name):
    name = _clean_name(name)
    with transaction.atomic():
        organization = locked(team.organization)
        require_manager(user=actor, organization=organization, what=gettext_lazy("rename teams"))
        team = _locked_team(organization, team)
        if team.name == name:
            return team
        if _taken(organization, name, exclude=team):
            raise InvalidAction(
                gettext("%(organization)s already has a team called '%(name)s'.")
                % {"organization": organization.name, "name": name}
            )
        previous, team.name = team.name, name
        team.save(update_fields=["name"])
        record(
            EventTag.ORGANIZATION_TEAM_RENAME,
            request=request,
            actor=actor,
            organization=organization,
            team=name,
            previous_name=previous,
        )
        notify_organization(
            organization=organization,
            subject=gettext("Team %(previous)s renamed to %(name)s") % {"previous": previous, "name": name},
            message=gettext("%(actor)s renamed the team %(previous)s of %(organization)s to %(name)s.")
            % {"actor": actor.username, "previous": previous, "organization": organization.name, "name": name},
        )
    return team


def team_delete(*, request=None, actor, team):
    """Delete a team: its members lose what the team gave them on projects, at once."""
    with transaction.atomic():
        organization = locked(team.organization)
        require_manager(user=actor, organization=organization, what=gettext_lazy("delete teams"))
        team = _locked_team(organization, team)
        members = [m.member.user for m in team.members.select_related("member__user")]
        name = team.name
        team.delete()
        record(EventTag.ORGANIZATION_TEAM_DELETE, request=request, actor=actor, organization=organization, team=name)
        notify_organization(
            organization=organization,
            subject=gettext("Team %(name)s of %(organization)s deleted")
            % {"name": name, "organization": organization.name},
            message=gettext("%(actor)s deleted the team %(name)s; its roles on projects are gone with it.")
            % {"actor": actor.username, "name": name},
            also=members,
        )


# What adding and removing a member records and says: (tag, subject, message).
MEMBER_ADDED = (
    EventTag.ORGANIZATION_TEAM_MEMBER_ADD,
    gettext_lazy("%(username)s added to team %(team)s"),
    gettext_lazy("%(actor)s added %(username)s to the team %(team)s of %(organization)s."),
)
MEMBER_REMOVED = (
    EventTag.ORGANIZATION_TEAM_MEMBER_REMOVE,
    gettext_lazy("%(username)s removed from team %(team)s"),
    gettext_lazy("%(actor)s removed %(username)s from the team %(team)s of %(organization)s."),
)


def _member_change(*, request, actor, team, user, change, notice):
    """Lock the organisation, check the actor is a Manager, lock the team, `change(organization, team)`, then
    record and tell the organisation and `user` (`notice`: tag, subject, message). Teams are not a kind of
    accounts.membership: no roles, no invitations, only the organisation's members (see that module's note)."""
    with transaction.atomic():
        organization = locked(team.organization)
        require_manager(user=actor, organization=organization, what=gettext_lazy("change teams"))
        team = _locked_team(organization, team)
        change(organization, team)
        tag, subject, message = notice
        record(tag, request=request, actor=actor, organization=organization, target=user, team=team.name)
        names = {"actor": actor.username, "username": user.username, "team": team.name, "organization": organization.name}
        notify_organization(organization=organization, subject=subject % names, message=message % names, also=[user])


def team_member_add(*, request=None, actor, team, user):
    def add(organization, team):
        member = OrganizationRole.objects.filter(organization=organization, user=user).first()
        if member is None:
            raise InvalidAction(
                gettext("%(username)s is not a member of %(organization)s: invite them first.")
                % {"username": user.username, "organization": organization.name}
            )
        if TeamMember.objects.filter(team=team, member=member).exists():
            raise InvalidAction(
                gettext("%(username)s is already in the team %(team)s.")
                % {"username": user.username, "team": team.name}
            )
        TeamMember.objects.create(team=team, member=member)

    _member_change(request=request, actor=actor, team=team, user=user, change=add, notice=MEMBER_ADDED)


def team_member_remove(*, request=None, actor, team, user):
    def remove(organization, team):
        deleted, _ = TeamMember.objects.filter(team=team, member__user=user).delete()
        if not deleted:
            raise InvalidAction(
                gettext("%(username)s is not in the team %(team)s.") % {"username": user.username, "team": team.name}
            )

    _member_change(request=request, actor=actor, team=team, user=user, change=remove, notice=MEMBER_REMOVED)
