"""Organisations for tests, made through the real services where it matters.

    org = make_organization(owner, name="acme")         # owner is its first Owner
    add_member(org, user, role="Member")                # directly, as an accepted invitation would
    team = make_team(org, owner, name="core", members=[user])
"""

import itertools

from organizations import services
from organizations.models import OrganizationRole, TeamMember

_names = itertools.count(1)


def make_organization(owner, *, name=None, **kwargs):
    return services.organization_create(
        user=owner, name=name or f"org{next(_names)}", display_name=kwargs.pop("display_name", "An organisation"), **kwargs
    )


def add_member(organization, user, *, role="Member"):
    return OrganizationRole.objects.create(organization=organization, user=user, role=role)


def make_team(organization, actor, *, name=None, members=()):
    team = services.team_create(actor=actor, organization=organization, name=name or f"team {next(_names)}")
    for user in members:
        TeamMember.objects.create(team=team, member=OrganizationRole.objects.get(organization=organization, user=user))
    return team
